import Foundation

/// The configured keys, oldest first: the newest (last) key writes, every key still reads and recognises.
///
/// File format (`TOKEN_KEYS_FILE`): one key per line, `KEY_ID=BASE64_SECRET`, the secret 32 or 64 bytes;
/// blank lines and lines starting with `#` are ignored; the last key is the newest.
public struct TokenKeyring: Sendable, CustomStringConvertible {
    public let keys: [TokenKey]
    private let byID: [String: TokenKey]

    /// - Precondition: `keys` is not empty and its ids are distinct (use `parse` for checked input).
    public init(keys: [TokenKey]) {
        precondition(!keys.isEmpty, "a key ring needs at least one key")
        self.keys = keys
        self.byID = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The key new tokens are written with.
    public var newest: TokenKey { keys[keys.count - 1] }

    public func key(id: String) -> TokenKey? { byID[id] }

    public var description: String { "TokenKeyring(\(keys.map(\.id).joined(separator: ", ")); newest \(newest.id))" }

    /// Parses a keys file's text. `source` names the file in error messages.
    public static func parse(_ text: String, source: String = "TOKEN_KEYS_FILE") throws(TokenKeyError) -> TokenKeyring {
        var keys: [TokenKey] = []
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw TokenKeyError(.malformedLine, "\(source) line \(lineNumber): expected KEY_ID=BASE64_SECRET", line: lineNumber)
            }
            let id = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            let encoded = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            guard TokenKey.isValidID(id) else {
                throw TokenKeyError(
                    .malformedLine, "\(source) line \(lineNumber): key id must be 1-16 letters or digits", line: lineNumber)
            }
            guard let secret = Data(base64Encoded: encoded) else {
                throw TokenKeyError(.badSecret, "\(source) line \(lineNumber) (key \(id)): the secret is not valid base64", line: lineNumber)
            }
            guard secret.count == 32 || secret.count == 64 else {
                throw TokenKeyError(
                    .badSecret,
                    "\(source) line \(lineNumber) (key \(id)): the secret is \(secret.count) bytes; use 32 or 64 random bytes, e.g. "
                        + "`openssl rand -base64 32`",
                    line: lineNumber)
            }
            guard seen.insert(id).inserted else {
                throw TokenKeyError(.duplicateKeyID, "\(source) line \(lineNumber): key id \(id) appears twice", line: lineNumber)
            }
            keys.append(TokenKey(id: id, secret: Array(secret)))
        }
        guard !keys.isEmpty else {
            throw TokenKeyError(.empty, "\(source) holds no keys; add a line KEY_ID=BASE64_SECRET (e.g. k1=$(openssl rand -base64 32))")
        }
        return TokenKeyring(keys: keys)
    }

    /// Reads and parses the keys file at `path`.
    public static func load(path: String) throws(TokenKeyError) -> TokenKeyring {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TokenKeyError(.missingFile, "TOKEN_KEYS_FILE \(path) cannot be read; create it with one line KEY_ID=BASE64_SECRET")
        }
        return try parse(text, source: "TOKEN_KEYS_FILE \(path)")
    }
}
