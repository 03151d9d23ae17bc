import Crypto
import CryptoExtras
import Foundation

/// NIST SP 800-38G FF1 format-preserving encryption over numerals `0..<radix`, built on swift-crypto's
/// single-block AES (`AES.permute`).
///
/// Made for millions of short values: one call allocates its buffers once and every round works in them (the
/// round's Q block, S, the digits of y, A and B swapped in place). Big numbers are 32-bit limbs, and numerals
/// move in and out of them `chunk.count` at a time (radix^count < 2^32), so a round costs a few 64-bit divisions
/// instead of one per byte and digit. `Tests/TokenizationTests/ReferenceFF1.swift` holds the step-by-step
/// reading of the standard that this is compared with on random inputs.
public struct FF1: Sendable {
    public let radix: Int
    private let key: SymmetricKey
    /// The most numerals whose value fits one 32-bit limb, and radix to that power.
    private let chunk: (count: Int, modulus: UInt64)

    /// The minimum domain NIST requires: radix^length ≥ 1,000,000.
    public static let minimumDomainSize = 1_000_000

    /// - Parameters:
    ///   - key: an AES-128, -192 or -256 key.
    ///   - radix: 2...65536.
    public init(key: SymmetricKey, radix: Int) {
        precondition((2...65_536).contains(radix), "FF1 radix must be 2...65536")
        precondition([16, 24, 32].contains(key.bitCount / 8), "FF1 keys are AES-128, -192 or -256")
        self.key = key
        self.radix = radix
        var count = 0
        var modulus: UInt64 = 1
        while modulus * UInt64(radix) < 1 << 32 {
            modulus *= UInt64(radix)
            count += 1
        }
        chunk = (count, modulus)
    }

    /// Whether `length` numerals meet the minimum domain size (radix^length ≥ 1,000,000).
    public func meetsMinimumDomain(length: Int) -> Bool {
        var size = 1
        for _ in 0..<length {
            size *= radix
            if size >= Self.minimumDomainSize { return true }
        }
        return size >= Self.minimumDomainSize
    }

    public func encrypt(_ numerals: [Int], tweak: [UInt8] = []) -> [Int] {
        feistel(numerals, tweak: tweak, decrypting: false)
    }

    public func decrypt(_ numerals: [Int], tweak: [UInt8] = []) -> [Int] {
        feistel(numerals, tweak: tweak, decrypting: true)
    }

    private func feistel(_ x: [Int], tweak: [UInt8], decrypting: Bool) -> [Int] {
        let n = x.count
        precondition(n >= 2, "FF1 needs at least 2 numerals")
        let u = n / 2
        let v = n - u
        let byteCount = Self.byteLength(numerals: v, radix: radix)
        let d = 4 * ((byteCount + 3) / 4) + 4
        let t = tweak.count
        let zeroPad = ((-t - byteCount - 1) % 16 + 16) % 16
        // P is the same in all ten rounds: its CBC-MAC block is computed once and each round chains Q from it.
        var pMAC: [UInt8] = [1, 2, 1, UInt8((radix >> 16) & 0xff), UInt8((radix >> 8) & 0xff), UInt8(radix & 0xff), 10, UInt8(u % 256)]
        pMAC += Self.bigEndian(UInt32(n)) + Self.bigEndian(UInt32(t))
        cipher(&pMAC)

        let roundIndex = t + zeroPad
        var q = tweak + [UInt8](repeating: 0, count: zeroPad + 1 + byteCount)
        let sBlocks = (d + 15) / 16
        var s = [UInt8](repeating: 0, count: 16 * sBlocks)
        var block = [UInt8](repeating: 0, count: 16)
        var limbs = [UInt32](repeating: 0, count: max(d / 4, (byteCount + 3) / 4 + 1))
        var y = [Int](repeating: 0, count: v)
        var a = Array(x[..<u])
        var b = Array(x[u...])

        for step in 0..<10 {
            let i = decrypting ? 9 - step : step
            let m = i % 2 == 0 ? u : v
            q[roundIndex] = UInt8(i)
            // Round input: B when encrypting, A when decrypting; [NUM_radix(input)]^b ends Q.
            writeValue(of: decrypting ? a : b, into: &q, last: byteCount, limbs: &limbs)
            // R = PRF(P || Q): CBC-MAC from P's block over Q's blocks.
            for index in 0..<16 { block[index] = pMAC[index] }
            for offset in stride(from: 0, to: q.count, by: 16) {
                for index in 0..<16 { block[index] ^= q[offset + index] }
                cipher(&block)
            }
            for index in 0..<16 { s[index] = block[index] }
            // S = R || CIPH(R ⊕ [1]^16) || CIPH(R ⊕ [2]^16) … ([j]^16 for j < 256 touches only the last byte).
            for j in 1..<sBlocks {
                let r15 = block[15]
                block[15] = r15 ^ UInt8(j)
                var extra = block
                cipher(&extra)
                block[15] = r15
                for index in 0..<16 { s[16 * j + index] = extra[index] }
            }
            // y = NUM(S[..<d]); its m lowest radix digits are STR^m_radix(y mod radix^m).
            lowDigits(ofBigEndian: s, byteCount: d, count: m, into: &y, limbs: &limbs)
            if decrypting {
                Self.subtract(&b, y, radix: radix)  // C = B − y; A' = C, B' = A
            } else {
                Self.add(&a, y, radix: radix)  // C = A + y; A' = B, B' = C
            }
            swap(&a, &b)
        }
        return a + b
    }

    private func cipher(_ block: inout [UInt8]) {
        try! AES.permute(&block, key: key)  // key size checked in init
    }

    /// Writes NUM_radix(numerals) as the `last` bytes of `bytes`, big-endian.
    private func writeValue(of numerals: [Int], into bytes: inout [UInt8], last byteCount: Int, limbs: inout [UInt32]) {
        let limbCount = (byteCount + 3) / 4 + 1
        for index in 0..<limbCount { limbs[index] = 0 }
        var start = 0
        while start < numerals.count {
            let end = min(start + chunk.count, numerals.count)
            var value: UInt64 = 0
            var multiplier: UInt64 = 1
            for index in start..<end {
                value = value * UInt64(radix) + UInt64(numerals[index])
                multiplier *= UInt64(radix)
            }
            // limbs = limbs · radix^(end − start) + value; little-endian 32-bit limbs.
            var carry = value
            for index in 0..<limbCount {
                let product = UInt64(limbs[index]) * multiplier + carry
                limbs[index] = UInt32(truncatingIfNeeded: product)
                carry = product >> 32
            }
            start = end
        }
        let base = bytes.count - byteCount
        for offset in 0..<byteCount {
            let limb = limbs[offset / 4]
            bytes[base + byteCount - 1 - offset] = UInt8(truncatingIfNeeded: limb >> (8 * UInt32(offset % 4)))
        }
    }

    /// The `count` lowest base-radix digits (most significant first) of the big-endian number in the first
    /// `byteCount` bytes (a multiple of 4) of `bytes`, into `digits[..<count]`.
    private func lowDigits(ofBigEndian bytes: [UInt8], byteCount: Int, count: Int, into digits: inout [Int], limbs: inout [UInt32]) {
        let limbCount = byteCount / 4
        for index in 0..<limbCount {
            let offset = 4 * index
            limbs[index] = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
        }
        var position = count - 1
        var remaining = count
        while remaining > 0 {
            let taken = min(chunk.count, remaining)
            var divisor: UInt64 = 1
            for _ in 0..<taken { divisor *= UInt64(radix) }
            // limbs = limbs / divisor (big-endian long division); the remainder holds the next `taken` digits.
            var remainder: UInt64 = 0
            for index in 0..<limbCount {
                let value = remainder << 32 | UInt64(limbs[index])
                limbs[index] = UInt32(truncatingIfNeeded: value / divisor)
                remainder = value % divisor
            }
            for _ in 0..<taken {
                digits[position] = Int(remainder % UInt64(radix))
                remainder /= UInt64(radix)
                position -= 1
            }
            remaining -= taken
        }
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

    /// x = (x + y[..<x.count]) mod radix^x.count, digit by digit (most significant first).
    static func add(_ x: inout [Int], _ y: [Int], radix: Int) {
        var carry = 0
        for index in stride(from: x.count - 1, through: 0, by: -1) {
            let sum = x[index] + y[index] + carry
            carry = sum >= radix ? 1 : 0
            x[index] = sum - carry * radix
        }
    }

    /// x = (x − y[..<x.count]) mod radix^x.count, digit by digit.
    static func subtract(_ x: inout [Int], _ y: [Int], radix: Int) {
        var borrow = 0
        for index in stride(from: x.count - 1, through: 0, by: -1) {
            let difference = x[index] - y[index] - borrow
            borrow = difference < 0 ? 1 : 0
            x[index] = difference + borrow * radix
        }
    }
}
