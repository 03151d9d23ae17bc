import WarehouseKit

/// The SQL expression every statement of a run tests and tokenizes a column's value with: the column as stored when
/// it is plain text, else its text in the "C" collation (`PostgresCatalogSQL.value`): `char(n)` without its padding,
/// `citext` and nondeterministic collations byte by byte, a domain as its base text. Built once per run from the
/// catalog's description, so a token is never taken for plaintext because of how its column compares.
public struct ColumnValues: Sendable, Equatable {
    /// The columns read as plain text rather than as stored.
    public var plainText: Set<String>

    public init(plainText: Set<String> = []) {
        self.plainText = plainText
    }

    public init(_ table: TableDescription) {
        plainText = Set(table.columns.filter(\.needsPlainText).map(\.name))
    }

    /// Every column as stored (plain `text` and `varchar` columns).
    public static let asStored = ColumnValues()

    /// The expression for `column`'s value in a statement whose table alias is `alias`.
    public func value(of column: String, alias: String = "t") -> String {
        PostgresCatalogSQL.value(column, asPlainText: plainText.contains(column), alias: alias)
    }
}
