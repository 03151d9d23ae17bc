import Tokenization

/// A column to tokenize and the scheme its tokens use.
public struct ColumnPlan: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var scheme: TokenSchemeName

    public init(name: String, scheme: TokenSchemeName) {
        self.name = name
        self.scheme = scheme
    }

    public var description: String { "\(name) (\(scheme.rawValue))" }
}

/// A table a run works on, named as the warehouse names it.
public struct TableReference: Sendable, Hashable, CustomStringConvertible {
    /// Database (Postgres) or catalog (Databricks).
    public var database: String
    public var schema: String
    public var table: String

    public init(database: String, schema: String, table: String) {
        self.database = database
        self.schema = schema
        self.table = table
    }

    public var description: String { "\(database).\(schema).\(table)" }
}

/// A column as the warehouse catalog describes it.
public struct ColumnDescription: Sendable, Hashable {
    public var name: String
    /// The catalog's type name, e.g. `character varying(255)`.
    public var dataType: String
    /// Whether the column holds text, so a token can be stored in it.
    public var isText: Bool

    public init(name: String, dataType: String, isText: Bool) {
        self.name = name
        self.dataType = dataType
        self.isText = isText
    }
}

/// A table's catalog entry: its columns in ordinal order.
public struct TableDescription: Sendable, Hashable {
    public var table: TableReference
    public var columns: [ColumnDescription]

    public init(table: TableReference, columns: [ColumnDescription]) {
        self.table = table
        self.columns = columns
    }

    public func column(named name: String) -> ColumnDescription? {
        columns.first { $0.name == name }
    }

    /// The catalog entries of `plans`, in order, after checking each exists and holds text.
    /// - Throws: `.columnNotFound` or `.columnNotText`, naming the column and the table.
    public func textColumns(for plans: [ColumnPlan]) throws(WarehouseError) -> [(plan: ColumnPlan, column: ColumnDescription)] {
        var result: [(plan: ColumnPlan, column: ColumnDescription)] = []
        for plan in plans {
            guard let found = column(named: plan.name) else {
                throw WarehouseError(.columnNotFound, "column \(plan.name) does not exist in \(table)", table: table)
            }
            guard found.isText else {
                throw WarehouseError(.columnNotText, "column \(plan.name) of \(table) has type \(found.dataType); tokens need a text column", table: table)
            }
            result.append((plan, found))
        }
        return result
    }
}

/// The outcome of tokenizing a table.
public struct TokenizationOutcome: Sendable, Equatable {
    /// Rows changed (a row with several tokenized columns counts once).
    public var rowsUpdated: Int
    /// Batches (transactions) the work was split into.
    public var batches: Int
    /// Whether tokens were computed in the database (no row left it) or in the service.
    public var pushedDown: Bool

    public init(rowsUpdated: Int, batches: Int, pushedDown: Bool = true) {
        self.rowsUpdated = rowsUpdated
        self.batches = batches
        self.pushedDown = pushedDown
    }
}

/// A source system whose tables can be tokenized in place.
public protocol Warehouse: Sendable {
    /// The table's columns from the catalog.
    /// - Throws: `WarehouseError` with `.tableNotFound` when the catalog has no such table.
    func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription
    /// Replaces every non-empty, not-yet-tokenized value of `columns` with its token under the column's scheme
    /// (in `.rekey` mode, also moves siv and ff1 tokens of older keys to the newest key).
    /// `columns` must have been checked against `describe`.
    func tokenize(_ table: TableDescription, columns: [ColumnPlan], mode: TokenizationMode) async throws(WarehouseError) -> TokenizationOutcome
    /// Whether the warehouse answers.
    func ping() async -> Bool
}

/// A failure talking to a warehouse, with a message that says what to do.
public struct WarehouseError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let tableNotFound = Code(name: "table_not_found")
        public static let columnNotFound = Code(name: "column_not_found")
        public static let columnNotText = Code(name: "column_not_text")
        public static let connection = Code(name: "connection")
        public static let statement = Code(name: "statement")
        public static let notConfigured = Code(name: "not_configured")
        public static let unsupported = Code(name: "unsupported")
        public static let tokenization = Code(name: "tokenization")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var table: TableReference?

    public init(_ code: Code, _ message: String, table: TableReference? = nil) {
        self.code = code
        self.message = message
        self.table = table
    }

    public var description: String { message }
}

/// A platform the service knows but has no connection for: every run on it is SKIPPED with `message`.
public struct NotConfiguredWarehouse: Warehouse {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        throw WarehouseError(.notConfigured, message, table: table)
    }

    public func tokenize(_ table: TableDescription, columns: [ColumnPlan], mode: TokenizationMode) async throws(WarehouseError) -> TokenizationOutcome {
        throw WarehouseError(.notConfigured, message, table: table.table)
    }

    public func ping() async -> Bool { true }
}
