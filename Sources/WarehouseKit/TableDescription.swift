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

/// How a column's stored text differs from the value it stands for, which is what tokens are computed from and
/// recognised in.
public enum TextSemantics: String, Sendable, Hashable, Codable {
    /// What is stored is the value (`text`, `varchar(n)`, `STRING`).
    case exact
    /// Blank-padded to the declared length (`char(n)`, Databricks `CHAR(n)`): trailing blanks are not part of the value.
    case blankPadded = "blank_padded"
    /// Compared without regard to case or accents (`citext`, a nondeterministic ICU collation): tests on the value
    /// (a token's prefix, a pattern) must be made on its bytes.
    case caseInsensitive = "case_insensitive"
}

/// A column as the warehouse catalog describes it.
public struct ColumnDescription: Sendable, Hashable {
    public var name: String
    /// The catalog's type name, e.g. `character varying(255)`, or a domain's name.
    public var dataType: String
    /// Whether the column holds text, so a token can be stored in it.
    public var isText: Bool
    /// The type under a domain (`character(60)` for a domain over `char(60)`); `dataType` for other columns.
    public var baseType: String
    /// Whether the type is a domain (its constraints apply to every token written).
    public var isDomain: Bool
    public var semantics: TextSemantics
    /// Whether the column is computed from others (`GENERATED ALWAYS AS … STORED`): it cannot be written.
    public var isGenerated: Bool

    public init(
        name: String, dataType: String, isText: Bool, baseType: String? = nil, isDomain: Bool = false, semantics: TextSemantics = .exact,
        isGenerated: Bool = false
    ) {
        self.name = name
        self.dataType = dataType
        self.isText = isText
        self.baseType = baseType ?? dataType
        self.isDomain = isDomain
        self.semantics = semantics
        self.isGenerated = isGenerated
    }

    /// Whether tests on the value need it as plain bytes rather than as the column stores or compares it.
    public var needsPlainText: Bool { semantics != .exact || isDomain }

    /// How the column reads, in words, when that differs from plain text (for plans and records).
    public var semanticsNote: String? {
        switch semantics {
        case .exact: return isDomain ? "domain \(dataType) over \(baseType): its constraints apply to the tokens" : nil
        case .blankPadded: return "\(dataType): trailing blanks are padding; tokens are computed and recognised without them"
        case .caseInsensitive: return "\(dataType) compares without regard to case; tokens are recognised by their exact bytes"
        }
    }

    /// N of `character varying(N)`, `character(N)`, `varchar(N)` or `char(N)` (of the base type, for a domain): the
    /// longest value it holds.
    public var characterLimit: Int? {
        let lowered = baseType.lowercased()
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
                throw WarehouseError(
                    .columnNotText, "column \(plan.name) of \(table) has type \(found.dataType); tokens need a text column", table: table)
            }
            result.append((plan, found))
        }
        return result
    }
}
