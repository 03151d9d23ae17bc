import PostgresNIO
import PostgresSupport
import WarehouseKit

extension PostgresWarehouse {
    /// Reads from the catalog what an UPDATE of `columns` touches besides the rows (`InspectionSQL`), over one
    /// connection, read only: foreign keys both ways, the triggers and rules it fires (on the table, its partitions and
    /// the tables a cascade updates), publications and logical slots, views and materialized views, generated columns,
    /// indexes over computed values, CHECK constraints (also of domains), unique and partition-key columns.
    public func inspect(_ table: TableDescription, columns: [String]) async throws(WarehouseError) -> TableInspection {
        let reference = table.table
        let name = PostgresCatalogSQL.qualifiedName(reference)
        return try await Self.mapping(reference) {
            try await databases.startedClient(database: reference.database).withConnection { connection in
                func rows(_ sql: String, extra: [Int32]? = nil) async throws -> [PostgresRow] {
                    var binds = PostgresBindings()
                    binds.append(name)
                    binds.append(columns)
                    if let extra { binds.append(extra) }
                    return try await connection.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
                }
                var inspection = TableInspection(table: PostgresCatalogSQL.relationName(reference))
                let identity = try await rows(InspectionSQL.replicaIdentity).first.map { try $0.decode(String.self) } ?? "d"
                inspection.replicaIdentity = ["d": "default", "f": "full", "i": "index", "n": "nothing"][identity] ?? identity
                // The relations an UPDATE of the columns writes: the table, its partitions, and the tables a cascade updates.
                var relations = try await rows(InspectionSQL.relations).map { try $0.decode(Int32.self) }
                inspection.foreignKeys = try await rows(InspectionSQL.foreignKeys).map { row in
                    let (
                        constraint, referencing, referencingColumns, referenced, referencedColumns, action, deferrable, incoming, outgoing,
                        referencingOID
                    ) =
                        try row.decode((String, String, [String], String, [String], String, Bool, Bool, Bool, Int32).self)
                    let onUpdate: TableInspection.ReferentialAction =
                        ["a": .noAction, "r": .restrict, "c": .cascade, "n": .setNull, "d": .setDefault][action] ?? .noAction
                    if incoming, onUpdate == .cascade, !relations.contains(referencingOID) { relations.append(referencingOID) }
                    return TableInspection.ForeignKey(
                        name: constraint, referencing: referencing, referencingColumns: referencingColumns, referenced: referenced,
                        referencedColumns: referencedColumns, onUpdate: onUpdate, deferrable: deferrable, referencesChosen: incoming,
                        chosenReferences: outgoing)
                }
                var owned = true
                inspection.triggers = try await rows(InspectionSQL.triggers, extra: relations).map { row in
                    let (trigger, on, type, function, owner) = try row.decode((String, String, Int, String, Bool).self)
                    owned = owned && owner
                    return TableInspection.Trigger(name: trigger, table: on, when: Self.triggerTiming(type), action: function)
                }
                inspection.triggers += try await rows(InspectionSQL.rules, extra: relations).map { row in
                    let (rule, on, instead, owner) = try row.decode((String, String, Bool, Bool).self)
                    owned = owned && owner
                    return TableInspection.Trigger(
                        name: rule, table: on, when: instead ? "ON UPDATE DO INSTEAD" : "ON UPDATE DO ALSO", action: "rule", isRule: true)
                }
                inspection.mayDisableTriggers = owned
                inspection.publications = try await rows(InspectionSQL.publications).map { row in
                    let (publication, all) = try row.decode((String, Bool).self)
                    return TableInspection.Publication(name: publication, allTables: all)
                }
                if !inspection.publications.isEmpty {
                    inspection.replicationSlots = try await rows(InspectionSQL.replicationSlots).map { row in
                        let (slot, plugin, active) = try row.decode((String, String, Bool).self)
                        return TableInspection.ReplicationSlot(name: slot, plugin: plugin, active: active)
                    }
                }
                inspection.dependents = try await rows(InspectionSQL.dependents).map { row in
                    let (view, materialized) = try row.decode((String, Bool).self)
                    return TableInspection.Dependent(name: view, materialized: materialized)
                }
                inspection.generatedColumns = try await rows(InspectionSQL.generatedColumns).map { row in
                    let (column, expression, sources) = try row.decode((String, String, [String]).self)
                    return TableInspection.GeneratedColumn(name: column, expression: expression, sources: sources)
                }
                inspection.computedIndexes = try await rows(InspectionSQL.computedIndexes).map { row in
                    let (index, definition, unique) = try row.decode((String, String, Bool).self)
                    return TableInspection.ComputedIndex(name: index, definition: definition, unique: unique)
                }
                inspection.checks = try await rows(InspectionSQL.checks).map { row in
                    let (check, definition, domain) = try row.decode((String, String, String?).self)
                    return TableInspection.Check(name: check, definition: definition, domain: domain)
                }
                inspection.uniqueColumns = try await rows(InspectionSQL.uniqueColumns).map { try $0.decode(String.self) }
                inspection.partitionKeyColumns = try await rows(InspectionSQL.partitionKeyColumns).map { try $0.decode(String.self) }
                return inspection
            }
        }
    }

    /// `BEFORE UPDATE FOR EACH ROW` and the like, from `pg_trigger.tgtype`'s bits (1 row, 2 before, 64 instead of).
    static func triggerTiming(_ type: Int) -> String {
        let timing = type & 64 != 0 ? "INSTEAD OF" : type & 2 != 0 ? "BEFORE" : "AFTER"
        var events: [String] = []
        if type & 4 != 0 { events.append("INSERT") }
        if type & 16 != 0 { events.append("UPDATE") }
        if type & 8 != 0 { events.append("DELETE") }
        return "\(timing) \(events.joined(separator: " OR ")) FOR EACH \(type & 1 != 0 ? "ROW" : "STATEMENT")"
    }
}
