import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import Runs
import TokenizeActionCore
import Tokenization

@main
struct TokenizeActionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize-action",
        abstract: "Tokenizes PII columns tagged in DataHub, in place in the source system.",
        subcommands: [Serve.self, Run.self, Tokenize.self, Detokenize.self, HealthCheck.self],
        defaultSubcommand: Serve.self)
}

/// Bootstraps logging once, at the level from LOG_LEVEL.
func makeLogger() -> Logger {
    let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "tokenize-action")
}

/// Loads configuration or exits with one line naming the missing setting.
func loadConfiguration(requireKafka: Bool) throws -> AppConfiguration {
    do {
        return try AppConfiguration.load(requireKafka: requireKafka)
    } catch {
        FileHandle.standardError.write(Data("tokenize-action: \(error)\n".utf8))
        throw ExitCode(78)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Consume DataHub's MetadataChangeLog and serve the HTTP API.")

    func run() async throws {
        let configuration = try loadConfiguration(requireKafka: true)
        try await TokenizeActionApp.serve(configuration: configuration, logger: makeLogger())
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize one dataset now, without Kafka, and write the result back to DataHub.")

    @Option(name: .long, help: "Dataset URN, e.g. urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")
    var dataset: String

    @Option(name: .long, parsing: .upToNextOption, help: "Columns to tokenize (default: PII columns found automatically).")
    var columns: [String] = []

    @Flag(name: .long, help: "Also move siv and ff1 tokens of older keys to the newest key in TOKEN_KEYS_FILE.")
    var rekey = false

    func run() async throws {
        let configuration = try loadConfiguration(requireKafka: false)
        let urn: DatasetURN
        do {
            urn = try DatasetURN(dataset)
            _ = try urn.tableReference()
        } catch {
            throw ValidationError(error.message)
        }
        let record = try await TokenizeActionApp.runOnce(
            configuration: configuration, dataset: urn, columns: columns.isEmpty ? nil : columns, rekey: rekey, logger: makeLogger())
        print(record.jsonString())
        if record.status == .failed { throw ExitCode(1) }
    }
}

/// Loads TOKEN_SCHEME and TOKEN_KEYS_FILE or exits 78 with one line naming the problem.
func loadTokenConfiguration() throws -> TokenConfiguration {
    do {
        return try TokenConfiguration.load()
    } catch {
        FileHandle.standardError.write(Data("tokenize-action: \(error)\n".utf8))
        throw ExitCode(78)
    }
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token of each value (one per line), with the keys from TOKEN_KEYS_FILE.")

    @Option(name: .long, help: "poc, hmac, siv or ff1 (default: TOKEN_SCHEME, else hmac).")
    var scheme: TokenSchemeName?

    @Argument(help: "Values to tokenize.")
    var values: [String]

    func run() throws {
        let tokens = try loadTokenConfiguration()
        let tokenizer = tokens.tokenizer
        for value in values {
            do {
                print(try tokenizer.token(for: value, scheme: scheme ?? tokens.defaultScheme))
            } catch {
                FileHandle.standardError.write(Data("tokenize-action: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

struct Detokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the plaintext of siv and ff1 tokens (one per line). hmac and poc tokens are refused.",
        discussion: "siv tokens (tks_…) carry their key id. ff1 tokens carry none: the newest key is used unless --key-id names another.")

    @Option(name: .long, help: "siv or ff1 (default: siv for tks_ tokens, ff1 otherwise).")
    var scheme: TokenSchemeName?

    @Option(name: .long, help: "The key an ff1 token was written with (default: the newest).")
    var keyID: String?

    @Argument(help: "Tokens to reverse.")
    var tokens: [String]

    func run() throws {
        let tokenizer = try loadTokenConfiguration().tokenizer
        for token in tokens {
            do {
                print(try tokenizer.detokenize(token, scheme: scheme, ff1KeyID: keyID))
            } catch {
                FileHandle.standardError.write(Data("tokenize-action: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

extension TokenSchemeName: ExpressibleByArgument {}

/// The container's HEALTHCHECK: asks the running service's `/healthz` (no curl in the image).
struct HealthCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Exit 0 when the service on this host answers /healthz with 200.")

    @Option(name: .long, help: "URL to check (default: http://127.0.0.1:$HTTP_PORT/healthz).")
    var url: String?

    func run() async throws {
        let port = ProcessInfo.processInfo.environment["HTTP_PORT"] ?? "8081"
        let target = url ?? "http://127.0.0.1:\(port)/healthz"
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: target), timeout: .seconds(3))
            guard response.status == .ok else {
                print("unhealthy: \(target) answered \(response.status.code)")
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("unhealthy: \(target): \(error)")
            throw ExitCode(1)
        }
    }
}
