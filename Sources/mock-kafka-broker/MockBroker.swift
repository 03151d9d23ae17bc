import CRdKafka
import Foundation

/// Starts librdkafka's mock cluster (real Kafka protocol on loopback) for tests and the local stack.
///
/// Usage: mock-kafka-broker [--brokers N] [--topic NAME[:PARTITIONS]]… [--bootstrap-file PATH]
/// Prints the bootstrap address, writes it to the file if asked, and runs until SIGTERM/SIGINT.
@main
struct MockBroker {
    static func main() {
        var brokers: Int32 = 1
        var topics: [(String, Int32)] = []
        var bootstrapFile: String?
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--brokers":
                brokers = Int32(arguments.next() ?? "") ?? 1
            case "--topic":
                let spec = arguments.next() ?? ""
                let parts = spec.split(separator: ":")
                topics.append((String(parts.first ?? ""), parts.count > 1 ? Int32(parts[1]) ?? 1 : 1))
            case "--bootstrap-file":
                bootstrapFile = arguments.next()
            default:
                FileHandle.standardError.write(Data("usage: mock-kafka-broker [--brokers N] [--topic NAME[:PARTITIONS]]... [--bootstrap-file PATH]\n".utf8))
                exit(64)
            }
        }

        guard let conf = rd_kafka_conf_new() else { fatalError("rd_kafka_conf_new failed") }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_conf_set(conf, "client.id", "mock-kafka-broker", &errorBuffer, errorBuffer.count)
        guard let anchor = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorBuffer, errorBuffer.count) else {
            fatalError("cannot create anchor client: \(errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
        }
        guard let cluster = rd_kafka_mock_cluster_new(anchor, brokers) else { fatalError("cannot create mock cluster") }
        for (topic, partitions) in topics {
            let result = rd_kafka_mock_topic_create(cluster, topic, partitions, 1)
            if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                fatalError("cannot create topic \(topic): \(String(cString: rd_kafka_err2str(result)))")
            }
        }
        let bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        print(bootstrap)
        FileHandle.standardOutput.synchronizeFile()
        if let bootstrapFile {
            try? bootstrap.write(toFile: bootstrapFile + ".tmp", atomically: false, encoding: .utf8)
            rename(bootstrapFile + ".tmp", bootstrapFile)
        }

        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        var received: Int32 = 0
        sigwait(&signals, &received)
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(anchor)
    }
}
