import WarehouseKit

/// One table row's ff1 ledger row (`FF1LedgerSQL`): an entry per slot, as read and as written. Pure.
public struct FF1LedgerRow: Sendable, Equatable {
    /// Per slot (index 0 is slot 1), the key id of the cell's token; empty when the cell has no entry.
    public private(set) var keyIDs: [String]
    /// Per slot, `FF1LedgerSQL.digestLength` bytes of digest (zeros when no entry).
    public private(set) var digests: [UInt8]
    /// Per slot, whether the entry was written by the last transaction that wrote this row.
    public private(set) var fresh: [Bool]

    public init() {
        keyIDs = []
        digests = []
        fresh = []
    }

    /// A row as read from the database. Nil when its arrays disagree (a row edited by hand, say).
    public init?(keyIDs: [String], digests: [UInt8], fresh: [Bool]) {
        guard fresh.count == keyIDs.count, digests.count == keyIDs.count * FF1LedgerSQL.digestLength else { return nil }
        self.keyIDs = keyIDs
        self.digests = digests
        self.fresh = fresh
    }

    /// The entry of slot `slot` (1-based), if the cell has one.
    public func entry(slot: Int) -> LedgerEntry? {
        let index = slot - 1
        guard keyIDs.indices.contains(index), !keyIDs[index].isEmpty else { return nil }
        let start = index * FF1LedgerSQL.digestLength
        return LedgerEntry(keyID: keyIDs[index], digest: Array(digests[start..<start + FF1LedgerSQL.digestLength]))
    }

    /// The row after a batch writes `entries` (by slot): those entries are fresh, every other one no longer is
    /// (the row's transaction becomes the batch's). Entries of other slots are kept.
    public func writing(_ entries: [(slot: Int, entry: LedgerEntry)]) -> FF1LedgerRow {
        var row = self
        row.fresh = Array(repeating: false, count: fresh.count)
        for (slot, entry) in entries {
            precondition(
                slot >= 1 && entry.digest.count == FF1LedgerSQL.digestLength && !entry.keyID.isEmpty,
                "a ledger entry needs a slot, a key id and a full digest")
            while row.keyIDs.count < slot {
                row.keyIDs.append("")
                row.digests.append(contentsOf: repeatElement(0, count: FF1LedgerSQL.digestLength))
                row.fresh.append(false)
            }
            let index = slot - 1
            row.keyIDs[index] = entry.keyID
            row.digests.replaceSubrange(index * FF1LedgerSQL.digestLength..<slot * FF1LedgerSQL.digestLength, with: entry.digest)
            row.fresh[index] = true
        }
        return row
    }

    /// `key_ids` as an array literal, every element quoted (`"` and `\` escaped).
    public var keyIDsLiteral: String {
        var literal = "{"
        for (index, id) in keyIDs.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            if id.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                for character in id {
                    if character == "\"" || character == "\\" { literal += "\\" }
                    literal.append(character)
                }
            } else {
                literal += id
            }
            literal += "\""
        }
        return literal + "}"
    }

    /// `fresh` as an array literal.
    public var freshLiteral: String {
        "{" + fresh.map { $0 ? "t" : "f" }.joined(separator: ",") + "}"
    }
}
