import Tokenization

/// The counts a clean verification found, recorded with its row versions (`VerificationMarkSQL.shape`): the rows,
/// and each verified column's empty values (NULL or ''). Pure.
///
/// A later verification that finds every row version among the recorded ones, and as many rows, sees the very row
/// versions the marked scan counted: each recorded transaction had committed before that scan, so a row version it
/// wrote that is visible now was visible then (rows deleted since only make fewer). Its empty values are then the
/// recorded ones, and its one pass counts only the rows and the row versions written since
/// (`IncrementalScanSQL.unchangedRows`).
public struct RecordedCounts: Sendable, Equatable {
    public var rows: Int
    /// Empty values by column name.
    public var empty: [String: Int]

    public init(rows: Int, empty: [String: Int]) {
        self.rows = rows
        self.empty = empty
    }

    /// What precedes the counts in a recorded shape, after its row versions.
    static let separator = "|counts="

    /// `<rows>`, then `,<column name in hex>:<empty values>` per column in name order (a column name may hold any
    /// character, the separators included).
    var text: String {
        ([String(rows)] + empty.sorted { $0.key < $1.key }.map { "\(Hex.encode(Array($0.key.utf8))):\($0.value)" }).joined(separator: ",")
    }

    /// Parses `text`; nil for anything else (a recorded shape edited in the database).
    init?(text: Substring) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard let first = parts.first, let rows = Int(first), rows >= 0 else { return nil }
        var empty: [String: Int] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pair.count == 2, let bytes = Hex.decode(String(pair[0])), let name = String(validating: bytes, as: UTF8.self),
                let count = Int(pair[1]), (0...rows).contains(count), empty[name] == nil
            else { return nil }
            empty[name] = count
        }
        self.init(rows: rows, empty: empty)
    }

    /// The empty values of `columns`, in order; nil unless every one was recorded.
    public func empty(of columns: [String]) -> [Int]? {
        var counts: [Int] = []
        for column in columns {
            guard let count = empty[column] else { return nil }
            counts.append(count)
        }
        return counts
    }
}
