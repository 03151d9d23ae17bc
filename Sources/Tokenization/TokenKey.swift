import Crypto
import Foundation

/// One secret key with its id. The secret never appears in `description` or logs. A class, so that the millions
/// of tokens of a run share one key instead of copying (and retaining) its key schedules each time.
public final class TokenKey: Sendable, CustomStringConvertible {
    /// Letters and digits, 1–16 characters; written into `hmac` and `siv` tokens.
    public let id: String
    /// Subkeys derived with HKDF-SHA256 so no two schemes share key material.
    let hmacKey: SymmetricKey
    /// AES-SIV keyed once, and its S2V state after this key's id (the associated data of every siv token).
    let siv: AESSIV
    let sivHeader: AESSIV.Header
    let ff1Key: SymmetricKey
    /// AES keyed with `ff1Key` once, for every FF1 token of this key.
    let ff1Cipher: AESBlockCipher
    let ledgerKey: SymmetricKey
    /// HMAC-SHA256 keyed with `hmacKey` / `ledgerKey`, before any data: a copy is updated per value, so the key's
    /// pads are hashed once, not for every token (a quarter of an ff1 run's CPU went to re-keying).
    let hmacStart: HMAC<SHA256>
    let ledgerStart: HMAC<SHA256>
    /// Erasure requests' identifiers: sealed (AES-SIV) while a request is open, and their keyed digest kept after it.
    /// Subkeys of their own, so neither a sealed identifier nor its digest equals any token in a warehouse.
    let subjectSIV: AESSIV
    let subjectDigestKey: SymmetricKey

    /// - Parameter secret: 32 or 64 random bytes.
    public init(id: String, secret: [UInt8]) {
        self.id = id
        let master = SymmetricKey(data: secret)
        func derive(_ purpose: String, _ count: Int) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: master, salt: Data("tokenize-action".utf8), info: Data("v1 \(purpose)".utf8), outputByteCount: count)
        }
        self.hmacKey = derive("hmac-sha256", 32)
        self.siv = AESSIV(key: derive("aes-siv-256", 64))
        self.sivHeader = siv.header(associatedData: [Array(id.utf8)])
        self.ff1Key = derive("ff1-aes-256", 32)
        self.ff1Cipher = AESBlockCipher(key: ff1Key)
        self.ledgerKey = derive("ff1-ledger", 32)
        self.hmacStart = HMAC<SHA256>(key: hmacKey)
        self.ledgerStart = HMAC<SHA256>(key: ledgerKey)
        self.subjectSIV = AESSIV(key: derive("erasure-subject-aes-siv-256", 64))
        self.subjectDigestKey = derive("erasure-subject-hmac-sha256", 32)
    }

    public var description: String { "TokenKey(\(id), secret redacted)" }

    /// Whether `id` is a valid key id: 1–16 ASCII letters or digits.
    public static func isValidID(_ id: String) -> Bool {
        (1...16).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
    }
}
