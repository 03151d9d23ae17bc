import ArgumentParser
import DatabricksWarehouse
import Foundation
import ServiceConfiguration
import Tokenization
import WarehouseKit

/// `tokenize-action keys …`: key material for the places that need it outside the service.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Key material for other systems (printed once, for an operator to store).", subcommands: [ExportDatabricks.self])
}

/// Prints what to store in a Databricks secret scope so hmac push-down statements carry only names.
