/// Applies FF1 to the ASCII letters and digits of a value and leaves every other character in place, so a
/// token keeps the value's length, separators and character classes (`+44 20 7946 0958` → `+71 03 5520 1184`).
///
/// - Digits-only parts use radix 10 (digits stay digits).
/// - Parts with letters use radix 62 (`0-9a-zA-Z`); cycle-walking repeats encryption until the result again
///   holds a letter, so decryption knows to use radix 62 as well.
/// - For an email (`local@domain`) only the local part is transformed.
/// Returns nil when the part is below NIST's minimum domain (radix^length < 1,000,000: fewer than 6 digits or 4
/// letters and digits) or longer than `maximumNumerals`: the caller gives such a value an `siv` token instead.
struct FormatPreservingCipher {
    static let alphabet62: [Unicode.Scalar] = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
    static let maximumCycleWalk = 10_000
    /// The most letters and digits FF1 transforms in one value. FF1's rounds cost time quadratic in the length
    /// (big-number arithmetic on the value), so a long value (a document pasted into a phone column) would stall its
    /// batch; such values get an `siv` token, which is as reversible and costs linear time.
    static let maximumNumerals = Tokenizer.ff1MaximumLength
    let key: TokenKey

    func transform(_ value: String, decrypting: Bool) -> String? {
        // On UTF-8 bytes: letters and digits are ASCII, and no byte of a multi-byte character is ASCII, so
        // rewriting those bytes with other ASCII letters and digits keeps every other character intact.
        var bytes = Array(value.utf8)
        let end = bytes.lastIndex(of: UInt8(ascii: "@")) ?? bytes.endIndex
        var numerals: [Int] = []
        numerals.reserveCapacity(min(end, Self.maximumNumerals + 1))
        var decimal = true
        for index in 0..<end {
            guard let numeral = Self.numeral(ofASCII: bytes[index]) else { continue }
            guard numerals.count < Self.maximumNumerals else { return nil }
            numerals.append(numeral)
            if numeral >= 10 { decimal = false }
        }
        guard !numerals.isEmpty, numerals.count <= Self.maximumNumerals else { return nil }
        let radix = decimal ? 10 : 62
        let ff1 = FF1(cipher: key.ff1Cipher, radix: radix)
        guard ff1.meetsMinimumDomain(length: numerals.count) else { return nil }
        var rounds = 0
        repeat {
            ff1.transform(&numerals, decrypting: decrypting)
            rounds += 1
            if rounds > Self.maximumCycleWalk { return nil }
        } while radix == 62 && numerals.allSatisfy { $0 < 10 }
        // The same bytes as above, in the same order (each is read before it is overwritten).
        var next = 0
        for index in 0..<end where Self.numeral(ofASCII: bytes[index]) != nil {
            bytes[index] = Self.alphabet62ASCII[numerals[next]]
            next += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let alphabet62ASCII: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    /// The radix-62 numeral of an ASCII letter or digit byte.
    static func numeral(ofASCII byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x61...0x7a: return Int(byte - 0x61) + 10
        case 0x41...0x5a: return Int(byte - 0x41) + 36
        default: return nil
        }
    }

    /// The radix-62 numeral of an ASCII letter or digit.
    static func numeral(of scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x30...0x39: return Int(scalar.value - 0x30)
        case 0x61...0x7a: return Int(scalar.value - 0x61) + 10
        case 0x41...0x5a: return Int(scalar.value - 0x41) + 36
        default: return nil
        }
    }
}
