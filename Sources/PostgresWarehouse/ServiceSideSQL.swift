import Foundation
import NIOCore
import Tokenization
import WarehouseKit

/// SQL for batches whose tokens the service computes (`siv`, `ff1`, rekey runs): keyset reads that lock their
/// rows, `COPY` into a temp table and one `UPDATE … FROM`. Pure.
public enum ServiceSideSQL {
    /// Locks and reads the next batch after `$1` (first batch: from the start, no `$1`); the limit is the next
    /// parameter. Nothing else is read in this statement: the ledger is read afterwards, by a new statement that
    /// sees every transaction committed before these row locks were granted.
    ///
    /// With `sivShape` (tokenize runs), the last parameter is the siv token prefixes of the configured keys and
    /// only rows that may need a token are read: a row is skipped when every column is NULL, empty or, for an
    /// siv column, shaped like an siv token (prefix, key id, base64url: checks PostgreSQL evaluates fast). ff1
    /// columns look like plaintext either way, so a row with a non-empty ff1 value is always read.
    public static func lockBatch(
        table: TableReference, keyColumn: String, keyType: String, columns: [ColumnPlan], hasLowerBound: Bool, sivShape: Bool = false
    ) -> String {
        // Qualified with the table alias: an unqualified ORDER BY would sort by the text output column of the same name.
        let key = "t." + PostgresCatalogSQL.quote(keyColumn)
        let selected = (["\(key)::text"] + columns.map { "t.\(PostgresCatalogSQL.quote($0.name))::text" }).joined(separator: ", ")
        var predicates: [String] = []
        if hasLowerBound { predicates.append("\(key) > $1::text::\(keyType)") }
        let limit = hasLowerBound ? "$2" : "$1"
        if sivShape {
            let prefixes = hasLowerBound ? "$3" : "$2"
            let needs = columns.map { column in
                let q = "t." + PostgresCatalogSQL.quote(column.name)
                let value = "\(q) IS NOT NULL AND \(q) <> ''"
                guard column.scheme == .siv else { return "(\(value))" }
                return "(\(value) AND NOT (\(TokenShapeSQL.shaped(q, prefixes: prefixes, lengths: nil))))"
            }
            predicates.append("(" + needs.joined(separator: " OR ") + ")")
        }
        let whereClause = predicates.isEmpty ? "" : "WHERE " + predicates.joined(separator: " AND ") + " "
        return "SELECT \(selected) FROM \(PostgresCatalogSQL.qualifiedName(table)) t \(whereClause)ORDER BY \(key) LIMIT \(limit) FOR UPDATE OF t"
    }

    /// The temp table a batch's new values are copied into: `k` the key as text, `c0…` one per column.
    public static let batchTable = "tokenize_action_batch"

    public static func createBatchTable(columnCount: Int) -> String {
        let columns = (0..<columnCount).map { "c\($0) text" }.joined(separator: ", ")
        return "CREATE TEMP TABLE \(batchTable) (k text PRIMARY KEY, \(columns)) ON COMMIT DROP"
    }

    /// Applies the copied values (NULL means "leave as is") and returns the number of rows changed.
    public static func applyBatch(table: TableReference, keyColumn: String, keyType: String, columns: [ColumnPlan]) -> String {
        let assignments = columns.enumerated().map { index, column in
            "\(PostgresCatalogSQL.quote(column.name)) = COALESCE(b.c\(index), t.\(PostgresCatalogSQL.quote(column.name)))"
        }.joined(separator: ", ")
        return """
            WITH changed AS (UPDATE \(PostgresCatalogSQL.qualifiedName(table)) t SET \(assignments) FROM \(batchTable) b \
            WHERE t.\(PostgresCatalogSQL.quote(keyColumn)) = b.k::\(keyType) RETURNING 1) SELECT count(*)::bigint FROM changed
            """
    }

    /// Appends one row of COPY text format to `bytes`: tab-separated, `\N` for NULL, and backslash, tab, newline
    /// and carriage return escaped (the only bytes the format gives a meaning). Works on UTF-8 bytes: a value
    /// without those is copied whole.
    public static func appendCopyTextRow(_ fields: [String?], to bytes: inout ByteBuffer) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.writeInteger(tab) }
            guard var field else {
                bytes.writeInteger(backslash)
                bytes.writeInteger(UInt8(ascii: "N"))
                continue
            }
            field.withUTF8 { utf8 in
                guard utf8.contains(where: { $0 == backslash || $0 == tab || $0 == newline || $0 == carriageReturn }) else {
                    bytes.writeBytes(utf8)
                    return
                }
                for byte in utf8 {
                    switch byte {
                    case backslash: bytes.writeBytes([backslash, backslash])
                    case tab: bytes.writeBytes([backslash, UInt8(ascii: "t")])
                    case newline: bytes.writeBytes([backslash, UInt8(ascii: "n")])
                    case carriageReturn: bytes.writeBytes([backslash, UInt8(ascii: "r")])
                    default: bytes.writeInteger(byte)
                    }
                }
            }
        }
        bytes.writeInteger(newline)
    }

    private static let backslash = UInt8(ascii: "\\")
    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
}
