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

    /// N of `character varying(N)`, `character(N)`, `varchar(N)` or `char(N)`: the longest value it holds.
    public var characterLimit: Int? {
        let lowered = dataType.lowercased()
        guard lowered.hasPrefix("character") || lowered.hasPrefix("varchar") || lowered.hasPrefix("char"),
            let open = lowered.firstIndex(of: "("), let close = lowered.lastIndex(of: ")"), open < close
        else { return nil }
        return Int(lowered[lowered.index(after: open)..<close])
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
