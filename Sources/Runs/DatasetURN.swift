import WarehouseKit

/// A parsed DataHub dataset URN: `urn:li:dataset:(urn:li:dataPlatform:PLATFORM,NAME,ENV)`.
public struct DatasetURN: Sendable, Hashable, CustomStringConvertible {
    public var platform: String
    public var name: String
    public var environment: String
    /// The URN as given.
    public var description: String

    /// Parses a dataset URN.
    /// - Throws: `RunError.invalidRequest` with a message showing the expected shape.
    public init(_ urn: String) throws(RunError) {
        let prefix = "urn:li:dataset:("
        guard urn.hasPrefix(prefix), urn.hasSuffix(")") else {
            throw RunError(.invalidRequest, "'\(urn)' is not a dataset URN; expected urn:li:dataset:(urn:li:dataPlatform:postgres,<db>.<schema>.<table>,PROD)")
        }
        let inner = urn.dropFirst(prefix.count).dropLast()
        // The platform URN has no commas; the environment is after the last comma; the name is between.
        guard let firstComma = inner.firstIndex(of: ","), let lastComma = inner.lastIndex(of: ","), firstComma < lastComma else {
            throw RunError(.invalidRequest, "'\(urn)' lacks the (platform,name,env) triple")
        }
        let platformURN = inner[..<firstComma]
        let platformPrefix = "urn:li:dataPlatform:"
        guard platformURN.hasPrefix(platformPrefix), platformURN.count > platformPrefix.count else {
            throw RunError(.invalidRequest, "'\(urn)' has platform '\(platformURN)', expected urn:li:dataPlatform:<name>")
        }
        let name = inner[inner.index(after: firstComma)..<lastComma]
        let environment = inner[inner.index(after: lastComma)...]
        guard !name.isEmpty, !environment.isEmpty else {
            throw RunError(.invalidRequest, "'\(urn)' has an empty name or environment")
        }
        self.platform = String(platformURN.dropFirst(platformPrefix.count))
        self.name = String(name)
        self.environment = String(environment)
        self.description = urn
    }

    /// The three-part table name `<db>.<schema>.<table>` (Postgres) or `<catalog>.<schema>.<table>` (Databricks).
    public func tableReference() throws(RunError) -> TableReference {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw RunError(
                .invalidRequest,
                "dataset name '\(name)' must have three dot-separated parts <database>.<schema>.<table>; set the ingestion recipe's database so DataHub names it that way")
        }
        return TableReference(database: parts[0], schema: parts[1], table: parts[2])
    }
}
