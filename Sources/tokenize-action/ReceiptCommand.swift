import ArgumentParser
import Erasures
import Foundation

/// `tokenize-action receipt verify FILE`: checks an erasure receipt offline.
struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Erasure receipts.", subcommands: [Verify.self, PublicKey.self])

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the public key (base64) of ERASURE_SIGNING_KEY_FILE, which auditors compare receipts' signatures with.")

        func run() async throws {
            guard let path = ProcessInfo.processInfo.environment["ERASURE_SIGNING_KEY_FILE"], !path.isEmpty else {
                throw ValidationError("set ERASURE_SIGNING_KEY_FILE to the file of the key receipts are signed with")
            }
            do {
                print(try ReceiptSigningKey.load(path: path).publicKey.rawRepresentation.base64EncodedString())
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an erasure receipt's Ed25519 signature offline; exit 0 when it holds, 1 when it does not.",
            discussion:
                "Without --public-key the signature is checked against the key the receipt names, which proves only that the receipt was not "
                + "changed since that key signed it: compare that key with the deployment's (ERASURE_RECEIPT_PUBLIC_KEY or --public-key).")
        @Argument(help: "The receipt (JSON, as GET /erasures/{id}/receipt serves it).") var file: String
        @Option(help: "The deployment's public key, base64 (default: ERASURE_RECEIPT_PUBLIC_KEY).") var publicKey: String?

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let signed: SignedErasureReceipt
            do {
                signed = try JSONDecoder().decode(SignedErasureReceipt.self, from: data)
            } catch {
                print("INVALID: \(file) is not an erasure receipt: \(error)")
                throw ExitCode(1)
            }
            let expected = publicKey ?? ProcessInfo.processInfo.environment["ERASURE_RECEIPT_PUBLIC_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            switch signed.verify(expecting: expected) {
            case .valid(let key):
                let receipt = signed.receipt
                let rows = receipt.destinations.reduce(0) { $0 + $1.rowsAffected }
                print(
                    "VALID: request \(receipt.requestID), \(receipt.destinations.count) destination(s), \(rows) row(s) erased, completed "
                        + "\(receipt.completedAt) (due \(receipt.dueAt)); signed by \(key)\(expected == nil ? " (not compared with a known key)" : "")"
                )
            case .invalid(let reason):
                print("INVALID: \(reason)")
                throw ExitCode(1)
            }
        }
    }
}
