import Crypto
import Foundation

/// A failure loading or using token keys, with a message that says what to fix. Never holds key material.
public struct TokenKeyError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let missingFile = Code(name: "missing_file")
        public static let malformedLine = Code(name: "malformed_line")
        public static let badSecret = Code(name: "bad_secret")
        public static let duplicateKeyID = Code(name: "duplicate_key_id")
        public static let empty = Code(name: "empty")
        public static let notConfigured = Code(name: "not_configured")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The 1-based line of the keys file the error is about, if any.
    public var line: Int?

    public init(_ code: Code, _ message: String, line: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
    }

    public var description: String { message }
}

/// One secret key with its id. The secret never appears in `description` or logs.
public struct TokenKey: Sendable, CustomStringConvertible {
    /// Letters and digits, 1–16 characters; written into `hmac` and `siv` tokens.
    public let id: String
    /// Subkeys derived with HKDF-SHA256 so no two schemes share key material.
    let hmacKey: SymmetricKey
    let sivKey: SymmetricKey
    let ff1Key: SymmetricKey
    let ledgerKey: SymmetricKey

    /// - Parameter secret: 32 or 64 random bytes.
    public init(id: String, secret: [UInt8]) {
        self.id = id
        let master = SymmetricKey(data: secret)
        func derive(_ purpose: String, _ count: Int) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: master, salt: Data("tokenize-action".utf8), info: Data("v1 \(purpose)".utf8), outputByteCount: count)
        }
        self.hmacKey = derive("hmac-sha256", 32)
        self.sivKey = derive("aes-siv-256", 64)
        self.ff1Key = derive("ff1-aes-256", 32)
        self.ledgerKey = derive("ff1-ledger", 32)
    }

    public var description: String { "TokenKey(\(id), secret redacted)" }

    /// Whether `id` is a valid key id: 1–16 ASCII letters or digits.
    public static func isValidID(_ id: String) -> Bool {
        (1...16).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}

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
                    "\(source) line \(lineNumber) (key \(id)): the secret is \(secret.count) bytes; use 32 or 64 random bytes, e.g. `openssl rand -base64 32`",
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
