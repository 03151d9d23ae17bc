import App
import ArgumentParser
import Foundation
import RunLedger

struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "The dead-letter table: MCL messages that could not be decoded.",
        subcommands: [List.self, Show.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List dead letters, newest first (id, position, reason).")

        @Option(help: "How many.") var limit = 50
        @Flag(help: "Include dead letters already replayed.") var all = false

        func run() async throws {
            let configuration = try loadConfiguration(for: .command)
            let letters = try await Commands.deadLetters(
                configuration: configuration, limit: limit, includeReplayed: all, logger: bootstrapLogging(configuration.logging))
            for letter in letters {
                let replayed = letter.replayOutcome.map { " [replayed: \($0)]" } ?? ""
                print("\(letter.id)\t\(letter.topic)[\(letter.partition)]@\(letter.offset)\t\(letter.reasonCode)\t\(letter.reason)\(replayed)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one dead letter as JSON (key and value in base64).")

        @Argument(help: "The dead letter's id.") var id: Int64

        func run() async throws {
            let configuration = try loadConfiguration(for: .command)
            guard let letter = try await Commands.deadLetter(configuration: configuration, id: id, logger: bootstrapLogging(configuration.logging))
            else {
                FileHandle.standardError.write(Data("tokenize-action: no dead letter with id \(id)\n".utf8))
                throw ExitCode(1)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.dateEncodingStrategy = .iso8601
            encoder.dataEncodingStrategy = .base64
            print(String(decoding: try encoder.encode(letter), as: UTF8.self))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Decode a dead letter again (after fixing the registry or upgrading) and record the request it holds.")

        @Argument(help: "The dead letter's id.") var id: Int64

        func run() async throws {
            let configuration = try loadConfiguration(for: .command)
            print(try await Commands.replay(configuration: configuration, id: id, logger: bootstrapLogging(configuration.logging)))
        }
    }
}
