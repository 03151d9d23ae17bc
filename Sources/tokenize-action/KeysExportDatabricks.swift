import ArgumentParser
import DatabricksWarehouse
import Foundation
import ServiceConfiguration
import Tokenization
import WarehouseKit

struct ExportDatabricks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-databricks",
        abstract: "Print the Databricks CLI commands that store the newest hmac key's pads in a secret scope (DBX_SECRET_SCOPE).",
        discussion: """
            Run once, and again after adding a key to TOKEN_KEYS_FILE (before the service restarts with it). The output is \
            secret: run it in a trusted shell, do not save it. Grant the service's Databricks principal READ on the scope.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// `databricks secrets …` commands.
        case cli
        /// `{"<scope>": {"<key>": "<hex>"}}`.
        case json
    }

    @Option(name: .long, help: "The secret scope (default: DBX_SECRET_SCOPE, else tokenize).")
    var scope: String?

    @Option(name: .long, help: "cli (Databricks CLI commands) or json.")
    var format: Format = .cli

    func run() throws {
        let scope = scope ?? Environment()["DBX_SECRET_SCOPE"] ?? "tokenize"
        guard DatabricksSettings.isValidScope(scope) else {
            throw ValidationError("'\(scope)' is not a secret scope name (letters, digits, _ - . @; at most 128)")
        }
        let pads: HMACPads
        do {
            pads = try HMACPads(tokenizer: try loadTokenSettings().tokenizer)
        } catch let error as WarehouseError {
            FileHandle.standardError.write(Data("tokenize-action: \(error.message)\n".utf8))
            throw ExitCode(78)
        }
        let secrets = [
            (DatabricksSQL.padSecretKey(inner: true, keyID: pads.keyID), Hex.encode(pads.inner)),
            (DatabricksSQL.padSecretKey(inner: false, keyID: pads.keyID), Hex.encode(pads.outer)),
        ]
        switch format {
        case .json:
            let object = [scope: Dictionary(uniqueKeysWithValues: secrets)]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(object), as: UTF8.self))
        case .cli:
            print("# The hmac pads of key \(pads.keyID) for DBX_SECRET_SCOPE=\(scope). Secret: do not save this output.")
            print("databricks secrets create-scope \(scope)  # once; fails harmlessly if it exists")
            for (key, value) in secrets { print("databricks secrets put-secret \(scope) \(key) --string-value \(value)") }
            print("# then: databricks secrets put-acl \(scope) <the service's principal> READ")
        }
    }
}
