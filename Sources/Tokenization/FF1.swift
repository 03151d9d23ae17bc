import Crypto
import CryptoExtras
import Foundation

/// NIST SP 800-38G FF1 format-preserving encryption over numerals `0..<radix`, on AES keyed once
/// (`AESBlockCipher`).
///
/// Made for millions of short values: one call works in three stack buffers (P's MAC, Q, S and a scratch block;
/// the limbs of big numbers; A, B and the digits of y) and allocates only its result. A and B swap by swapping
/// their buffers. Big numbers are 32-bit limbs, and numerals move in and out of them `chunk.count` at a time
/// (radix^count < 2^32), so a round costs a few 64-bit divisions instead of one per byte and digit.
/// `Tests/TokenizationTests/ReferenceFF1.swift` holds the step-by-step reading of the standard that this is
/// compared with on random inputs.
public struct FF1: Sendable {
    public let radix: Int
    private let cipher: AESBlockCipher
    /// The most numerals whose value fits one 32-bit limb, and radix to that power.
    private let chunk: (count: Int, modulus: UInt64)
    /// ⌈2^64 / radix⌉: divides numbers below 2^32 by the radix with two multiplications (Lemire, Kaser and Kurz,
    /// "Faster remainder by direct computation", 2019), instead of a hardware division per digit.
    private let radixReciprocal: UInt64

    /// The minimum domain NIST requires: radix^length ≥ 1,000,000.
    public static let minimumDomainSize = 1_000_000

    /// - Parameters:
    ///   - key: an AES-128, -192 or -256 key.
    ///   - radix: 2...65536.
    public init(key: SymmetricKey, radix: Int) {
        precondition([16, 24, 32].contains(key.bitCount / 8), "FF1 keys are AES-128, -192 or -256")
        self.init(cipher: AESBlockCipher(key: key), radix: radix)
    }

    /// FF1 on a cipher keyed once, so that making one per value costs nothing.
    init(cipher: AESBlockCipher, radix: Int) {
        precondition((2...65_536).contains(radix), "FF1 radix must be 2...65536")
        self.cipher = cipher
        self.radix = radix
        radixReciprocal = UInt64.max / UInt64(radix) + 1
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
        var result = numerals
        feistel(&result, tweak: tweak, decrypting: false)
        return result
    }

    public func decrypt(_ numerals: [Int], tweak: [UInt8] = []) -> [Int] {
        var result = numerals
        feistel(&result, tweak: tweak, decrypting: true)
        return result
    }

    /// Encrypts or decrypts `numerals` in place (no allocation: the format-preserving transform's path).
    func transform(_ numerals: inout [Int], decrypting: Bool) {
        feistel(&numerals, tweak: [], decrypting: decrypting)
    }

    /// The most numerals one call takes: NIST SP 800-38G bounds the input at 2^32 numerals (its length is encoded in
    /// four bytes of P); callers keep far below it (`FormatPreservingCipher.maximumNumerals`).
    public static let maximumLength = Int(UInt32.max)

    private func feistel(_ x: inout [Int], tweak: [UInt8], decrypting: Bool) {
        let n = x.count
        precondition(
            n >= 2 && n <= Self.maximumLength && tweak.count <= Self.maximumLength, "FF1 takes 2 to 2^32 numerals and a tweak below 2^32 bytes")
        let u = n / 2
        let v = n - u
        let byteCount = Self.byteLength(numerals: v, radix: radix)
        let d = 4 * ((byteCount + 3) / 4) + 4
        let t = tweak.count
        let zeroPad = ((-t - byteCount - 1) % 16 + 16) % 16
        let qCount = t + zeroPad + 1 + byteCount  // a multiple of 16
        let sBlocks = (d + 15) / 16
        let limbCount = max(d / 4, (byteCount + 3) / 4 + 1)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48 + qCount + 16 * sBlocks) { bytes in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: limbCount) { limbs in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: n + v) { numerals in
                    let zero = bytes.baseAddress!
                    bytes.initialize(repeating: 0)
                    limbs.initialize(repeating: 0)
                    let pMAC = zero + 16
                    let block = zero + 32
                    let q = zero + 48
                    let s = q + qCount
                    // P is the same in all ten rounds: its CBC-MAC block is computed once and each round chains Q from it.
                    // P = [1]^1 || [2]^1 || [1]^1 || [radix]^3 || [10]^1 || [u mod 256]^1 || [n]^4 || [t]^4
                    block[0] = 1
                    block[1] = 2
                    block[2] = 1
                    Self.writeBigEndian(radix, width: 3, into: block + 3)
                    block[6] = 10
                    block[7] = UInt8(u % 256)
                    Self.writeBigEndian(n, width: 4, into: block + 8)
                    Self.writeBigEndian(t, width: 4, into: block + 12)
                    cipher.cbcMAC(start: zero, data: block, blockCount: 1, into: pMAC)
                    for index in 0..<t { q[index] = tweak[index] }  // Q = T || 0^zeroPad || [i] || [NUM(input)]^b

                    var a = UnsafeMutableBufferPointer(rebasing: numerals[0..<u])
                    var b = UnsafeMutableBufferPointer(rebasing: numerals[u..<n])
                    let y = UnsafeMutableBufferPointer(rebasing: numerals[n..<(n + v)])
                    _ = a.initialize(from: x[..<u])
                    _ = b.initialize(from: x[u...])
                    y.initialize(repeating: 0)
                    for step in 0..<10 {
                        let i = decrypting ? 9 - step : step
                        let m = i % 2 == 0 ? u : v
                        q[t + zeroPad] = UInt8(i)
                        // Round input: B when encrypting, A when decrypting.
                        writeValue(of: decrypting ? a : b, into: q + (qCount - byteCount), byteCount: byteCount, limbs: limbs)
                        // R = PRF(P || Q): CBC-MAC from P's block over Q's blocks; S starts with R.
                        cipher.cbcMAC(start: pMAC, data: q, blockCount: qCount / 16, into: s)
                        // S = R || CIPH(R ⊕ [1]^16) || CIPH(R ⊕ [2]^16) …: [j]^16 is j in 16 big-endian bytes, of which
                        // only the last four can be non-zero (j < sBlocks < 2^32).
                        for j in 1..<max(sBlocks, 1) {
                            block.update(from: s, count: 16)
                            block[12] ^= UInt8(truncatingIfNeeded: j >> 24)
                            block[13] ^= UInt8(truncatingIfNeeded: j >> 16)
                            block[14] ^= UInt8(truncatingIfNeeded: j >> 8)
                            block[15] ^= UInt8(truncatingIfNeeded: j)
                            cipher.cbcMAC(start: zero, data: block, blockCount: 1, into: s + 16 * j)
                        }
                        // y = NUM(S[..<d]); its m lowest radix digits are STR^m_radix(y mod radix^m).
                        lowDigits(ofBigEndian: s, byteCount: d, into: UnsafeMutableBufferPointer(rebasing: y[..<m]), limbs: limbs)
                        if decrypting {
                            Self.subtract(b, y, radix: radix)  // C = B − y; A' = C, B' = A
                        } else {
                            Self.add(a, y, radix: radix)  // C = A + y; A' = B, B' = C
                        }
                        swap(&a, &b)
                    }
                    x.withUnsafeMutableBufferPointer { result in
                        for index in 0..<a.count { result[index] = a[index] }
                        for index in 0..<b.count { result[a.count + index] = b[index] }
                    }
                }
            }
        }
    }

    /// Writes NUM_radix(numerals) big-endian into the `byteCount` bytes at `bytes`.
    private func writeValue(
        of numerals: UnsafeMutableBufferPointer<Int>, into bytes: UnsafeMutablePointer<UInt8>, byteCount: Int,
        limbs: UnsafeMutableBufferPointer<UInt32>
    ) {
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
        for offset in 0..<byteCount {
            let limb = limbs[offset / 4]
            bytes[byteCount - 1 - offset] = UInt8(truncatingIfNeeded: limb >> (8 * UInt32(offset % 4)))
        }
    }

    /// The `digits.count` lowest base-radix digits (most significant first) of the big-endian number in the
    /// `byteCount` bytes (a multiple of 4) at `bytes`.
    private func lowDigits(
        ofBigEndian bytes: UnsafeMutablePointer<UInt8>, byteCount: Int, into digits: UnsafeMutableBufferPointer<Int>,
        limbs: UnsafeMutableBufferPointer<UInt32>
    ) {
        let limbCount = byteCount / 4
        for index in 0..<limbCount {
            let offset = 4 * index
            limbs[index] = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
        }
        var position = digits.count - 1
        var remaining = digits.count
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
            for _ in 0..<taken {  // remainder < divisor < 2^32
                let fraction = radixReciprocal &* remainder
                digits[position] = Int(fraction.multipliedFullWidth(by: UInt64(radix)).high)  // remainder mod radix
                remainder = radixReciprocal.multipliedFullWidth(by: remainder).high  // remainder / radix
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

    /// The `width` low bytes of `value`, most significant first.
    static func writeBigEndian(_ value: Int, width: Int, into bytes: UnsafeMutablePointer<UInt8>) {
        for index in 0..<width {
            bytes[index] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - index)))
        }
    }

    /// x = (x + y[..<x.count]) mod radix^x.count, digit by digit (most significant first).
    static func add(_ x: UnsafeMutableBufferPointer<Int>, _ y: UnsafeMutableBufferPointer<Int>, radix: Int) {
        var carry = 0
        for index in stride(from: x.count - 1, through: 0, by: -1) {
            let sum = x[index] + y[index] + carry
            carry = sum >= radix ? 1 : 0
            x[index] = sum - carry * radix
        }
    }

    /// x = (x − y[..<x.count]) mod radix^x.count, digit by digit.
    static func subtract(_ x: UnsafeMutableBufferPointer<Int>, _ y: UnsafeMutableBufferPointer<Int>, radix: Int) {
        var borrow = 0
        for index in stride(from: x.count - 1, through: 0, by: -1) {
            let difference = x[index] - y[index] - borrow
            borrow = difference < 0 ? 1 : 0
            x[index] = difference + borrow * radix
        }
    }
}
