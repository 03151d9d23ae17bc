import ArgumentParser
import Foundation
import ServiceConfiguration
import Tokenization

/// Loads TOKEN_SCHEME and TOKEN_KEYS_FILE or exits 78 with one line naming the problem.
func loadTokenSettings() throws -> TokenSettings {
    do {
        return try TokenSettings.load(from: Environment())
    } catch {
        FileHandle.standardError.write(Data("tokenize-action: \(error)\n".utf8))
        throw ExitCode(78)
    }
}

/// `tokenize-action tokenize`: tokens of values given on the command line.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token of each value (one per line), with the keys from TOKEN_KEYS_FILE.")

    @Option(name: .long, help: "poc, hmac, siv or ff1 (default: TOKEN_SCHEME, else hmac).")
    var scheme: TokenSchemeName?

    @Argument(help: "Values to tokenize.")
    var values: [String]

    func run() throws {
        let tokens = try loadTokenSettings()
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
