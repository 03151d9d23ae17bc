import WarehouseKit

/// The statements a batch runs first and last in its transaction when the policy skips triggers: `ALTER TABLE …
/// DISABLE TRIGGER` (or `RULE`), then `ENABLE` before the commit. Transactional DDL: no other session ever sees them
/// disabled (its writes wait for the batch's lock instead), and a crash in between leaves them enabled. Pure. Table
/// names are the catalog's own `regclass` text, trigger and rule names are quoted here.
enum TriggerSkipSQL {
    static func disable(_ skip: TriggerSkip) -> [String] {
        skip.triggers.map { "ALTER TABLE \($0.table) DISABLE \($0.isRule ? "RULE" : "TRIGGER") \(PostgresCatalogSQL.quote($0.name))" }
    }

    static func enable(_ skip: TriggerSkip) -> [String] {
        skip.triggers.map { "ALTER TABLE \($0.table) ENABLE \($0.isRule ? "RULE" : "TRIGGER") \(PostgresCatalogSQL.quote($0.name))" }
    }
}
