/// A dataset as the policy sees it: platform, database (catalog on Databricks), schema, table.
public struct DatasetName: Sendable, Hashable, CustomStringConvertible {
    public var platform: String
    public var database: String
    public var schema: String
    public var table: String

    public init(platform: String, database: String, schema: String, table: String) {
        self.platform = platform
        self.database = database
        self.schema = schema
        self.table = table
    }

    var segments: [String] { [platform, database, schema, table] }

    /// `platform/database/schema/table`.
    public var description: String { segments.joined(separator: "/") }
}

/// `platform/database/schema/table`, each part a glob (`*` any run of characters, `?` one character); missing
/// trailing parts match anything, so `postgres` is every PostgreSQL dataset and `postgres/shop` one database.
public struct DatasetPattern: Sendable, Hashable, CustomStringConvertible {
    private let parts: [[Character]]
    public let description: String

    /// nil when the text is not 1-4 non-empty parts separated by `/`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else { return nil }
        self.parts = parts.map { Array($0) }
        self.description = text
    }

    public func matches(_ dataset: DatasetName) -> Bool {
        zip(parts, dataset.segments).allSatisfy { pattern, value in Self.glob(pattern[...], Array(value)[...]) }
    }

    /// Glob match with `*` and `?`; iterative with backtracking to the last star (linear in practice).
    static func glob(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        var p = pattern.startIndex
        var t = text.startIndex
        var star: (pattern: Int, text: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.endIndex, pattern[p] == "*" {
                star = (p, t)
                p += 1
            } else if let last = star {
                p = last.pattern + 1
                t = last.text + 1
                star = (last.pattern, last.text + 1)
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }
}
