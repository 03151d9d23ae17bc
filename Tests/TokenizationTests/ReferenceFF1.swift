import Crypto
import CryptoExtras
import Foundation

@testable import Tokenization

/// The straightforward FF1 (NIST SP 800-38G, step by step, a new array per step): the reference the fast `FF1`
/// is compared with on random inputs of every length and radix. Test-only.
struct ReferenceFF1: Sendable {
    let radix: Int
    private let key: SymmetricKey

    /// The minimum domain NIST requires: radix^length ≥ 1,000,000.
    static let minimumDomainSize = 1_000_000

    /// - Parameters:
    ///   - key: an AES-128, -192 or -256 key.
    ///   - radix: 2...65536.
    init(key: SymmetricKey, radix: Int) {
        precondition((2...65_536).contains(radix), "FF1 radix must be 2...65536")
        precondition([16, 24, 32].contains(key.bitCount / 8), "FF1 keys are AES-128, -192 or -256")
        self.key = key
        self.radix = radix
    }

    /// Whether `length` numerals meet the minimum domain size (radix^length ≥ 1,000,000).
    func meetsMinimumDomain(length: Int) -> Bool {
        var size = 1
        for _ in 0..<length {
            size *= radix
            if size >= Self.minimumDomainSize { return true }
        }
        return size >= Self.minimumDomainSize
    }

    func encrypt(_ numerals: [Int], tweak: [UInt8] = []) -> [Int] {
        feistel(numerals, tweak: tweak, decrypting: false)
    }

    func decrypt(_ numerals: [Int], tweak: [UInt8] = []) -> [Int] {
        feistel(numerals, tweak: tweak, decrypting: true)
    }

    private func feistel(_ x: [Int], tweak: [UInt8], decrypting: Bool) -> [Int] {
        let n = x.count
        precondition(n >= 2, "FF1 needs at least 2 numerals")
        let u = n / 2
        let v = n - u
        var a = Array(x[..<u])
        var b = Array(x[u...])
        let byteCount = Self.byteLength(numerals: v, radix: radix)
        let d = 4 * ((byteCount + 3) / 4) + 4
        let t = tweak.count
        var p: [UInt8] = [1, 2, 1]
        p += [UInt8((radix >> 16) & 0xff), UInt8((radix >> 8) & 0xff), UInt8(radix & 0xff)]
        p += [10, UInt8(u % 256)]
        p += Self.bigEndian(UInt32(n)) + Self.bigEndian(UInt32(t))
        let zeroPad = ((-t - byteCount - 1) % 16 + 16) % 16
        // P is the same in all ten rounds: its CBC-MAC block is computed once and each round chains Q from it.
        let pMAC = cipher(p)

        for step in 0..<10 {
            let i = decrypting ? 9 - step : step
            let m = i % 2 == 0 ? u : v
            // Round input: B when encrypting, A when decrypting.
            let roundInput = decrypting ? a : b
            var q = tweak + [UInt8](repeating: 0, count: zeroPad) + [UInt8(i)]
            q += Self.numeralsToBytes(roundInput, radix: radix, byteCount: byteCount)
            let r = prf(q, after: pMAC)
            var s = r
            var j: UInt32 = 1
            while s.count < d {
                var input = r
                for (index, byte) in Self.bigEndian(j).enumerated() { input[12 + index] ^= byte }  // R ⊕ [j]^16
                s += cipher(input)
                j += 1
            }
            let yDigits = Self.lowDigits(ofBigEndian: Array(s[..<d]), radix: radix, count: m)
            if decrypting {
                let c = Self.subtract(b, yDigits, radix: radix)
                b = a
                a = c
            } else {
                let c = Self.add(a, yDigits, radix: radix)
                a = b
                b = c
            }
        }
        return a + b
    }

    /// CBC-MAC with a zero IV over whole blocks, continued from `start` (the MAC state after the blocks before
    /// `data`): the last ciphertext block.
    private func prf(_ data: [UInt8], after start: [UInt8]) -> [UInt8] {
        var y = start
        var offset = 0
        while offset < data.count {
            for index in 0..<16 { y[index] ^= data[offset + index] }
            y = cipher(y)
            offset += 16
        }
        return y
    }

    private func cipher(_ block: [UInt8]) -> [UInt8] {
        var block = block
        try! AES.permute(&block, key: key)  // key size checked in init
        return block
    }

    /// b = ceil(ceil(v · log2(radix)) / 8).
    static func byteLength(numerals v: Int, radix: Int) -> Int {
        let bits: Int
        if radix & (radix - 1) == 0 {
            bits = v * radix.trailingZeroBitCount
        } else {
            bits = Int((Double(v) * log2(Double(radix))).rounded(.up))
        }
        return (bits + 7) / 8
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    /// [NUM_radix(X)]^b: the numerals' value as `byteCount` big-endian bytes.
    static func numeralsToBytes(_ numerals: [Int], radix: Int, byteCount: Int) -> [UInt8] {
        // Little-endian base-256 limbs; multiply by radix and add each numeral.
        var limbs = [UInt32](repeating: 0, count: byteCount + 4)
        for numeral in numerals {
            var carry = UInt64(numeral)
            for index in limbs.indices {
                let value = UInt64(limbs[index]) * UInt64(radix) + carry
                limbs[index] = UInt32(value & 0xff)
                carry = value >> 8
            }
        }
        return limbs[..<byteCount].reversed().map { UInt8($0) }
    }

    /// The `count` lowest base-`radix` digits (most significant first) of a big-endian number:
    /// STR^m_radix(NUM(S) mod radix^m).
    static func lowDigits(ofBigEndian bytes: [UInt8], radix: Int, count: Int) -> [Int] {
        var number = bytes.map { UInt32($0) }  // big-endian base-256
        var digits = [Int](repeating: 0, count: count)
        for position in stride(from: count - 1, through: 0, by: -1) {
            var remainder: UInt64 = 0
            for index in number.indices {
                let value = (remainder << 8) | UInt64(number[index])
                number[index] = UInt32(value / UInt64(radix))
                remainder = value % UInt64(radix)
            }
            digits[position] = Int(remainder)
        }
        return digits
    }

    /// (x + y) mod radix^m, digit by digit (most significant first).
    static func add(_ x: [Int], _ y: [Int], radix: Int) -> [Int] {
        var result = [Int](repeating: 0, count: x.count)
        var carry = 0
        for index in stride(from: x.count - 1, through: 0, by: -1) {
            let sum = x[index] + y[index] + carry
            result[index] = sum % radix
            carry = sum / radix
        }
        return result
    }

    /// (x − y) mod radix^m, digit by digit.
    static func subtract(_ x: [Int], _ y: [Int], radix: Int) -> [Int] {
        var result = [Int](repeating: 0, count: x.count)
        var borrow = 0
        for index in stride(from: x.count - 1, through: 0, by: -1) {
            var difference = x[index] - y[index] - borrow
            borrow = 0
            if difference < 0 {
                difference += radix
                borrow = 1
            }
            result[index] = difference
        }
        return result
    }
}

/// The format-preserving transform as first written, on Unicode scalars, over `ReferenceFF1`: the reference for
/// `FormatPreservingCipher`, which works on UTF-8 bytes. Test-only.
func referenceFormatPreservingTransform(_ value: String, key: SymmetricKey, decrypting: Bool) -> String? {
    var scalars = Array(value.unicodeScalars)
    let end = scalars.lastIndex(of: "@") ?? scalars.endIndex
    let positions = scalars[..<end].indices.filter { FormatPreservingCipher.numeral(of: scalars[$0]) != nil }
    guard !positions.isEmpty else { return nil }
    let numerals = positions.map { FormatPreservingCipher.numeral(of: scalars[$0])! }
    let radix = numerals.allSatisfy { $0 < 10 } ? 10 : 62
    let ff1 = ReferenceFF1(key: key, radix: radix)
    guard ff1.meetsMinimumDomain(length: numerals.count) else { return nil }
    var result = numerals
    repeat {
        result = decrypting ? ff1.decrypt(result) : ff1.encrypt(result)
    } while radix == 62 && result.allSatisfy { $0 < 10 }
    for (position, numeral) in zip(positions, result) {
        scalars[position] = FormatPreservingCipher.alphabet62[numeral]
    }
    var text = ""
    text.unicodeScalars.append(contentsOf: scalars)
    return text
}
