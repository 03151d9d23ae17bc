import Crypto
import CryptoExtras
import Foundation

/// AES-SIV (RFC 5297) composed from swift-crypto's AES-CMAC and AES-CTR: the implementation the service used
/// before `AESSIV` moved onto `AESBlockCipher`. Tokens written then must still open, so `AESSIVEquivalenceTests`
/// holds the two byte for byte on random keys, associated data and plaintexts.
struct ReferenceAESSIV: Sendable {
    private let keyedMAC: AES.CMAC
    private let ctrKey: SymmetricKey
    /// CMAC(K, 0^128), the start of every S2V.
    private let zeroMAC: [UInt8]

    /// The S2V state after the associated data strings: constant for a key and its associated data.
    struct Header: Sendable {
        fileprivate let state: [UInt8]
    }

    init(key: SymmetricKey) {
        precondition([32, 48, 64].contains(key.bitCount / 8), "AES-SIV keys are 256, 384 or 512 bits")
        let bytes = key.withUnsafeBytes { Array($0) }
        let half = bytes.count / 2
        // Key sizes are checked above, so CMAC cannot reject the key.
        self.keyedMAC = try! AES.CMAC(key: SymmetricKey(data: bytes[..<half]))
        self.ctrKey = SymmetricKey(data: bytes[half...])
        var zero = keyedMAC
        zero.update(data: [UInt8](repeating: 0, count: 16))
        self.zeroMAC = Array(zero.finalize())
    }

    /// The S2V state after `associatedData`, to seal or open many values with the same associated data.
    func header(associatedData: [[UInt8]]) -> Header {
        var d = zeroMAC
        for string in associatedData {
            d = Self.xor(Self.dbl(d), cmac(string))
        }
        return Header(state: d)
    }

    /// `V || C`: the 16-byte synthetic IV followed by the ciphertext (same length as the plaintext).
    func seal(_ plaintext: [UInt8], associatedData: [[UInt8]] = []) -> [UInt8] {
        seal(plaintext, header: header(associatedData: associatedData))
    }

    /// `V || C` for a plaintext whose associated data is already folded into `header`.
    func seal(_ plaintext: [UInt8], header: Header) -> [UInt8] {
        let v = s2v(plaintext, header: header)
        return v + ctr(plaintext[...], iv: v)
    }

    /// The plaintext, or nil when `sealed` is not authentic under this key and associated data.
    func open(_ sealed: [UInt8], associatedData: [[UInt8]] = []) -> [UInt8]? {
        open(sealed, header: header(associatedData: associatedData))
    }

    /// The plaintext, or nil when `sealed` is not authentic under this key and the header's associated data.
    func open(_ sealed: [UInt8], header: Header) -> [UInt8]? {
        guard sealed.count >= 16 else { return nil }
        let v = Array(sealed[..<16])
        let plaintext = ctr(sealed[16...], iv: v)
        let expected = s2v(plaintext, header: header)
        // Constant-time comparison of the synthetic IV.
        var difference: UInt8 = 0
        for index in 0..<16 { difference |= v[index] ^ expected[index] }
        return difference == 0 ? plaintext : nil
    }

    private func cmac(_ data: [UInt8]) -> [UInt8] {
        var mac = keyedMAC
        mac.update(data: data)
        return mac.finalize().withUnsafeBytes { Array($0) }
    }

    /// The last step of S2V (RFC 5297 §2.4) over the plaintext.
    private func s2v(_ last: [UInt8], header: Header) -> [UInt8] {
        let d = header.state
        var t: [UInt8]
        if last.count >= 16 {
            t = last
            let offset = last.count - 16
            for index in 0..<16 { t[offset + index] ^= d[index] }
        } else {
            t = Self.dbl(d)
            for index in 0..<last.count { t[index] ^= last[index] }
            t[last.count] ^= 0x80
        }
        return cmac(t)
    }

    private func ctr(_ data: ArraySlice<UInt8>, iv: [UInt8]) -> [UInt8] {
        guard !data.isEmpty else { return [] }
        var q = iv
        q[8] &= 0x7f  // clear bit 63 and bit 31, counting from the right (RFC 5297 §2.5)
        q[12] &= 0x7f
        let nonce = try! AES._CTR.Nonce(nonceBytes: q)
        return try! AES._CTR.encrypt(data, using: ctrKey, nonce: nonce).withUnsafeBytes { Array($0) }
    }

    /// Doubling in GF(2^128) (RFC 5297 §2.3).
    private static func dbl(_ block: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 16)
        var carry: UInt8 = 0
        for index in stride(from: 15, through: 0, by: -1) {
            result[index] = (block[index] << 1) | carry
            carry = block[index] >> 7
        }
        if carry == 1 { result[15] ^= 0x87 }
        return result
    }

    private static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = a
        for index in 0..<min(a.count, b.count) { result[index] ^= b[index] }
        return result
    }
}
