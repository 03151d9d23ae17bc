import Foundation
import KafkaTesting

/// Starts librdkafka's mock cluster (real Kafka protocol on loopback) for tests and the local stack.
///
/// Usage: mock-kafka-broker [--brokers N] [--topic NAME[:PARTITIONS]]… [--bootstrap-file PATH]
/// Prints the bootstrap address, writes it to the file if asked, and runs until SIGTERM/SIGINT.
@main
struct MockBroker {
    static func main() {
        var brokers: Int32 = 1
        var topics: [(name: String, partitions: Int32)] = []
        var bootstrapFile: String?
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--brokers":
                brokers = Int32(arguments.next() ?? "") ?? 1
            case "--topic":
                let parts = (arguments.next() ?? "").split(separator: ":")
                topics.append((String(parts.first ?? ""), parts.count > 1 ? Int32(parts[1]) ?? 1 : 1))
            case "--bootstrap-file":
                bootstrapFile = arguments.next()
            default:
                FileHandle.standardError.write(
                    Data("usage: mock-kafka-broker [--brokers N] [--topic NAME[:PARTITIONS]]... [--bootstrap-file PATH]\n".utf8))
                exit(64)
            }
        }
        let cluster: MockKafkaCluster
        do {
            cluster = try MockKafkaCluster(brokers: brokers, topics: topics)
        } catch {
            FileHandle.standardError.write(Data("mock-kafka-broker: \(error)\n".utf8))
            exit(1)
        }
        print(cluster.bootstrapServers)
        FileHandle.standardOutput.synchronizeFile()
        if let bootstrapFile {
            try? cluster.bootstrapServers.write(toFile: bootstrapFile + ".tmp", atomically: false, encoding: .utf8)
            rename(bootstrapFile + ".tmp", bootstrapFile)
        }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        var received: Int32 = 0
        sigwait(&signals, &received)
        withExtendedLifetime(cluster) {}
    }
}
