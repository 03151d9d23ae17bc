import ArgumentParser
import Foundation
import Tokenization

/// `tokenize-action detokenize`: the values of siv and ff1 tokens.
struct Detokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize",
        abstract: "Print the plaintext of siv and ff1 tokens (one per line). hmac and poc tokens are refused.",
        discussion: "siv tokens (tks_…) carry their key id. ff1 tokens carry none: the newest key is used unless --key-id names another.")

    @Option(name: .long, help: "siv or ff1 (default: siv for tks_ tokens, ff1 otherwise).")
    var scheme: TokenSchemeName?

    @Option(name: .long, help: "The key an ff1 token was written with (default: the newest).")
    var keyID: String?

    @Argument(help: "Tokens to reverse.")
    var tokens: [String]

    func run() throws {
        let tokenizer = try loadTokenSettings().tokenizer
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
