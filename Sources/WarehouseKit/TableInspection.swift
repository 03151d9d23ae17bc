/// What besides its rows a change to some columns of a table touches, read from the warehouse's catalog before any
/// row changes: constraints the tokens must satisfy, objects that copy the old values (triggers, rules, replication,
/// materialized views, indexes on computed values), and columns PostgreSQL computes itself. Names only, never a value.
public struct TableInspection: Sendable, Equatable, Codable {
    /// What a foreign key does to referencing rows when the referenced value changes.
    public enum ReferentialAction: String, Sendable, Codable {
        case noAction = "NO ACTION"
        case restrict = "RESTRICT"
        case cascade = "CASCADE"
        case setNull = "SET NULL"
        case setDefault = "SET DEFAULT"
    }

    public struct ForeignKey: Sendable, Equatable, Codable {
        public var name: String
        /// The table holding the reference (`schema.table`) and its columns.
        public var referencing: String
        public var referencingColumns: [String]
        /// The referenced table and columns.
        public var referenced: String
        public var referencedColumns: [String]
        public var onUpdate: ReferentialAction
        public var deferrable: Bool
        /// It references a chosen column: a token written there must reach the referencing rows.
        public var referencesChosen: Bool
        /// A chosen column references another: a token written there must exist in the referenced table.
        public var chosenReferences: Bool

        public init(
            name: String, referencing: String, referencingColumns: [String], referenced: String, referencedColumns: [String],
            onUpdate: ReferentialAction, deferrable: Bool = false, referencesChosen: Bool, chosenReferences: Bool
        ) {
            self.name = name
            self.referencing = referencing
            self.referencingColumns = referencingColumns
            self.referenced = referenced
            self.referencedColumns = referencedColumns
            self.onUpdate = onUpdate
            self.deferrable = deferrable
            self.referencesChosen = referencesChosen
            self.chosenReferences = chosenReferences
        }

        /// `orders_customer_email_fkey (orders.customer_email → customers.email, ON UPDATE NO ACTION)`.
        public var description: String {
            "\(name) (\(referencing)(\(referencingColumns.joined(separator: ", "))) → "
                + "\(referenced)(\(referencedColumns.joined(separator: ", "))), ON UPDATE \(onUpdate.rawValue))"
        }
    }

    /// A user trigger (or an `ON UPDATE` rule) that an UPDATE of the columns fires.
    public struct Trigger: Sendable, Equatable, Codable {
        public var name: String
        /// The table it is on (the table itself, one of its partitions, or a table a cascade updates).
        public var table: String
        /// `BEFORE UPDATE FOR EACH ROW`, `AFTER UPDATE FOR EACH STATEMENT`, `rule`…
        public var when: String
        /// The function it executes (`audit.log_change()`), or the rule's action.
        public var action: String
        public var isRule: Bool

        public init(name: String, table: String, when: String, action: String, isRule: Bool = false) {
            self.name = name
            self.table = table
            self.when = when
            self.action = action
            self.isRule = isRule
        }

        public var description: String { "\(isRule ? "rule" : "trigger") \(name) on \(table) (\(when), \(action))" }
    }

    public struct Publication: Sendable, Equatable, Codable {
        public var name: String
        /// Whether it publishes every table of the database.
        public var allTables: Bool

        public init(name: String, allTables: Bool) {
            self.name = name
            self.allTables = allTables
        }
    }

    public struct ReplicationSlot: Sendable, Equatable, Codable {
        public var name: String
        public var plugin: String
        public var active: Bool

        public init(name: String, plugin: String, active: Bool) {
            self.name = name
            self.plugin = plugin
            self.active = active
        }
    }

    /// A view or materialized view reading the columns.
    public struct Dependent: Sendable, Equatable, Codable {
        public var name: String
        public var materialized: Bool

        public init(name: String, materialized: Bool) {
            self.name = name
            self.materialized = materialized
        }
    }

    public struct GeneratedColumn: Sendable, Equatable, Codable {
        public var name: String
        public var expression: String
        /// The columns it is computed from.
        public var sources: [String]

        public init(name: String, expression: String, sources: [String]) {
            self.name = name
            self.expression = expression
            self.sources = sources
        }
    }

    /// An index over an expression of the columns, or with a predicate on them.
    public struct ComputedIndex: Sendable, Equatable, Codable {
        public var name: String
        public var definition: String
        public var unique: Bool

        public init(name: String, definition: String, unique: Bool) {
            self.name = name
            self.definition = definition
            self.unique = unique
        }
    }

    /// A CHECK constraint on a column, or on the domain that is the column's type.
    public struct Check: Sendable, Equatable, Codable {
        public var name: String
        public var definition: String
        /// The domain it belongs to, when it is a domain's.
        public var domain: String?

        public init(name: String, definition: String, domain: String? = nil) {
            self.name = name
            self.definition = definition
            self.domain = domain
        }
    }

    /// `schema.table`.
    public var table: String
    /// `default`, `full`, `index` or `nothing`: with `full`, a change stream carries every column's old value.
    public var replicaIdentity: String
    public var foreignKeys: [ForeignKey]
    public var triggers: [Trigger]
    public var publications: [Publication]
    public var replicationSlots: [ReplicationSlot]
    public var dependents: [Dependent]
    public var generatedColumns: [GeneratedColumn]
    public var computedIndexes: [ComputedIndex]
    public var checks: [Check]
    /// The chosen columns under a unique constraint or index.
    public var uniqueColumns: [String]
    /// The chosen columns in the table's partition key.
    public var partitionKeyColumns: [String]
    /// Whether the service's role owns the tables whose triggers would fire (needed to skip them).
    public var mayDisableTriggers: Bool

    public init(
        table: String, replicaIdentity: String = "default", foreignKeys: [ForeignKey] = [], triggers: [Trigger] = [],
        publications: [Publication] = [],
        replicationSlots: [ReplicationSlot] = [], dependents: [Dependent] = [], generatedColumns: [GeneratedColumn] = [],
        computedIndexes: [ComputedIndex] = [], checks: [Check] = [], uniqueColumns: [String] = [], partitionKeyColumns: [String] = [],
        mayDisableTriggers: Bool = false
    ) {
        self.table = table
        self.replicaIdentity = replicaIdentity
        self.foreignKeys = foreignKeys
        self.triggers = triggers
        self.publications = publications
        self.replicationSlots = replicationSlots
        self.dependents = dependents
        self.generatedColumns = generatedColumns
        self.computedIndexes = computedIndexes
        self.checks = checks
        self.uniqueColumns = uniqueColumns
        self.partitionKeyColumns = partitionKeyColumns
        self.mayDisableTriggers = mayDisableTriggers
    }

    /// Nothing found (a warehouse that cannot tell, or a table with no such objects).
    public static func nothing(_ table: String) -> TableInspection { TableInspection(table: table) }
}

/// The triggers and rules a run's batches disable in their own transactions, by table.
public struct TriggerSkip: Sendable, Equatable, Codable {
    public var triggers: [TableInspection.Trigger]

    public init(triggers: [TableInspection.Trigger] = []) {
        self.triggers = triggers
    }

    public var isEmpty: Bool { triggers.isEmpty }
}
