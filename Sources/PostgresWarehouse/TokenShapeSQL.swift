import Tokenization
import WarehouseKit

/// The SQL test for "shaped like a token of a configured key", shared by push-down batches, siv batch reads and
/// the verification scan. Pure.
///
/// `hmac` and `siv` tokens are a prefix with the key id (`tkh_<id>_`, `tks_<id>_`) and base64url. PostgreSQL
/// answers a prefix (`^@`) and a byte length in about a tenth of a microsecond; an anchored regex with the key
/// ids costs it about one microsecond per value (1M rows × 2 columns: 1.0 s against 0.37 s for this test, of
/// which the alphabet check is most). `poc` keeps its regex.
enum TokenShapeSQL {
    /// The characters a value made only of is left alone (space, tab, line feed, vertical tab, form feed, carriage
    /// return), as an SQL string; `Tokenizer.isBlank` is the same set.
    static let blankCharacters = "E' \\t\\n\\x0B\\f\\r'"

    /// Whether `value` (an SQL expression) holds nothing to protect: NULL, empty, or whitespace only. The `ascii` test
    /// first: `btrim` (which copies the value) runs only for values that start with whitespace.
    static func nothingToProtect(_ value: String) -> String {
        "(\(value) IS NULL OR \(value) = '' OR (ascii(\(value)) IN (9, 10, 11, 12, 13, 32) AND btrim(\(value), \(blankCharacters)) = ''))"
    }

    /// Whether `value` holds something to protect: the negation of `nothingToProtect`.
    static func holdsValue(_ value: String) -> String {
        "(\(value) <> '' AND (ascii(\(value)) NOT IN (9, 10, 11, 12, 13, 32) OR btrim(\(value), \(blankCharacters)) <> ''))"
    }

    /// A character outside base64url and the separators: a token contains none (key ids are letters and digits).
    static let foreignCharacter = "'[^-0-9A-Z_a-z]'"

    /// Whether `value` (an SQL expression) is shaped like a token: `prefixes` a `text[]` placeholder, `lengths` an
    /// `int[]` placeholder when the scheme's tokens have fixed lengths (hmac).
    static func shaped(_ value: String, prefixes: String, lengths: String?) -> String {
        var tests = ["\(value) ^@ ANY(\(prefixes)::text[])"]
        if let lengths { tests.append("octet_length(\(value)) = ANY(\(lengths)::int[])") }
        tests.append("\(value) !~ \(foreignCharacter)")
        return tests.joined(separator: " AND ")
    }
}
