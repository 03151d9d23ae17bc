import CRdKafka
import Logging

/// Why the consumer cannot work with the cluster, as librdkafka's error callback last reported it.
public enum KafkaClientProblem: Sendable, Equatable {
    /// No broker could be reached (connection refused, name not resolved, all brokers down): waiting may fix it.
    case unreachable(String)
    /// A broker refused this client: SASL or TLS authentication failed. Only a change of settings fixes it.
    case refused(String)

    /// The problem an error code stands for; nil for errors that are not about reaching the cluster.
    static func classify(_ code: rd_kafka_resp_err_t, reason: String) -> KafkaClientProblem? {
        switch code {
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR__SSL:
            return .refused(reason)
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__TIMED_OUT:
            return .unreachable(reason)
        default:
            return nil
        }
    }
}

/// The consumer's shared state, from the opaque pointer every callback of the handle receives.
private func sharedState(_ handle: OpaquePointer?) -> ConsumerSharedState? {
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
    return Unmanaged<ConsumerSharedState>.fromOpaque(opaque).takeUnretainedValue()
}

/// librdkafka's log lines, in the service's log (never raw on stderr). librdkafka's levels are syslog's.
func kafkaLogCallback(_ handle: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?) {
    guard let shared = sharedState(handle), let message else { return }
    let mapped: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    shared.logger.log(
        level: mapped, "\(String(cString: message))", metadata: ["facility": "\(facility.map { String(cString: $0) } ?? "")"], source: "librdkafka")
}

/// librdkafka's client errors (a broker down, authentication refused, a fatal error): recorded for the startup probe
/// and the poll loop, and logged once each as librdkafka reports them.
func kafkaErrorCallback(_ handle: OpaquePointer?, _ code: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let shared = sharedState(handle) else { return }
    let error = rd_kafka_resp_err_t(rawValue: code)
    let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(error))
    if error == RD_KAFKA_RESP_ERR__FATAL {
        shared.withLock { $0.pendingFatal = text }
        return  // the poll loop logs it and stops the consumer
    }
    let problem = KafkaClientProblem.classify(error, reason: text)
    if let problem { shared.withLock { $0.clientProblem = problem } }
    shared.logger.warning(
        "Kafka client error", metadata: ["reason": "\(text)", "code": "\(String(cString: rd_kafka_err2name(error)))"], source: "Kafka")
}
