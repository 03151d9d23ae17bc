/// Applies FF1 to the ASCII letters and digits of a value and leaves every other character in place, so a
/// token keeps the value's length, separators and character classes (`+44 20 7946 0958` → `+71 03 5520 1184`).
///
/// - Digits-only parts use radix 10 (digits stay digits).
/// - Parts with letters use radix 62 (`0-9a-zA-Z`); cycle-walking repeats encryption until the result again
///   holds a letter, so decryption knows to use radix 62 as well.
/// - For an email (`local@domain`) only the local part is transformed.
/// Returns nil when the part is below NIST's minimum domain (radix^length < 1,000,000).
struct FormatPreservingCipher {
    static let alphabet62: [Unicode.Scalar] = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
    static let maximumCycleWalk = 10_000
    let key: TokenKey

    func transform(_ value: String, decrypting: Bool) -> String? {
        var scalars = Array(value.unicodeScalars)
        let end = scalars.lastIndex(of: "@") ?? scalars.endIndex
        let positions = scalars[..<end].indices.filter { Self.numeral(of: scalars[$0]) != nil }
        guard !positions.isEmpty else { return nil }
        let numerals = positions.map { Self.numeral(of: scalars[$0])! }
        let radix = numerals.allSatisfy { $0 < 10 } ? 10 : 62
        let ff1 = FF1(key: key.ff1Key, radix: radix)
        guard ff1.meetsMinimumDomain(length: numerals.count) else { return nil }
        var result = numerals
        var rounds = 0
        repeat {
            result = decrypting ? ff1.decrypt(result) : ff1.encrypt(result)
            rounds += 1
            if rounds > Self.maximumCycleWalk { return nil }
        } while radix == 62 && result.allSatisfy { $0 < 10 }
        for (position, numeral) in zip(positions, result) {
            scalars[position] = Self.alphabet62[numeral]
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
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
