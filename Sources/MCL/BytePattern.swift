#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A byte string to find in kilobytes of JSON, fast: `memchr` jumps to each occurrence of the pattern's rarest
/// byte (for a tag URN such as `urn:li:tag:tokenize/run` that is `z`, where `u` or `:` would stop at every
/// `urn:li:` of a schema), an 8-byte load rejects nearly every false candidate, and `memcmp` confirms the rest.
struct BytePattern: Sendable {
    let bytes: [UInt8]
    /// The offset of the byte `memchr` looks for.
    let anchor: Int

    init(_ bytes: [UInt8]) {
        precondition(!bytes.isEmpty, "an empty pattern")
        self.bytes = bytes
        anchor = bytes.indices.max { Self.rarity(bytes[$0]) < Self.rarity(bytes[$1]) } ?? 0
    }

    /// Whether the pattern occurs in `haystack`.
    func occurs(in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let base = haystack.baseAddress, haystack.count >= bytes.count else { return false }
        return bytes.withUnsafeBytes { pattern in
            let wanted = pattern.baseAddress!
            let prefix = bytes.count >= 8 ? wanted.loadUnaligned(as: UInt64.self) : nil
            let lastStart = base + (haystack.count - bytes.count)
            var from = base + anchor  // where the anchor of the first possible start sits
            while from <= lastStart + anchor, let hit = memchr(from, Int32(bytes[anchor]), lastStart + anchor + 1 - from) {
                let start = UnsafeRawPointer(hit) - anchor
                if prefix == nil || start.loadUnaligned(as: UInt64.self) == prefix, memcmp(start, wanted, bytes.count) == 0 {
                    return true
                }
                from = UnsafeRawPointer(hit) + 1
            }
            return false
        }
    }

    private static let lettersByFrequency = Array("etaoinshrdlcumwfgypbvkjxqz".utf8)

    /// How rare a byte is in DataHub's aspect JSON, higher is rarer: structure and spaces are everywhere, lower-case
    /// letters follow English frequency, and anything unusual is rarest.
    static func rarity(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: " "):
            return 0
        case UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            return 1 + (lettersByFrequency.firstIndex(of: byte) ?? 25)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "/"):
            return 20
        default:
            return 30
        }
    }
}
