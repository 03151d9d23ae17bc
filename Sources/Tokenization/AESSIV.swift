import Crypto
import CryptoExtras
import Foundation

/// AES-SIV deterministic authenticated encryption (RFC 5297), composed from swift-crypto's AES-CMAC (S2V)
/// and AES-CTR. The key is 32, 48 or 64 bytes: the first half keys CMAC, the second half keys CTR.
public struct AESSIV: Sendable {
    private let macKey: SymmetricKey
    private let ctrKey: SymmetricKey

    public init(key: SymmetricKey) {
        precondition([32, 48, 64].contains(key.bitCount / 8), "AES-SIV keys are 256, 384 or 512 bits")
        let bytes = key.withUnsafeBytes { Array($0) }
        let half = bytes.count / 2
        self.macKey = SymmetricKey(data: bytes[..<half])
        self.ctrKey = SymmetricKey(data: bytes[half...])
    }

    /// `V || C`: the 16-byte synthetic IV followed by the ciphertext (same length as the plaintext).
    public func seal(_ plaintext: [UInt8], associatedData: [[UInt8]] = []) -> [UInt8] {
        let v = s2v(associatedData + [plaintext])
        return v + ctr(plaintext, iv: v)
    }

    /// The plaintext, or nil when `sealed` is not authentic under this key and associated data.
    public func open(_ sealed: [UInt8], associatedData: [[UInt8]] = []) -> [UInt8]? {
        guard sealed.count >= 16 else { return nil }
        let v = Array(sealed[..<16])
        let plaintext = ctr(Array(sealed[16...]), iv: v)
        let expected = s2v(associatedData + [plaintext])
        // Constant-time comparison of the synthetic IV.
        var difference: UInt8 = 0
        for (a, b) in zip(v, expected) { difference |= a ^ b }
        return difference == 0 ? plaintext : nil
    }

    private func cmac(_ data: [UInt8]) -> [UInt8] {
        // Key sizes are checked in init, so CMAC cannot reject the key.
        var mac = try! AES.CMAC(key: macKey)
        mac.update(data: data)
        return Array(mac.finalize())
    }

    /// S2V (RFC 5297 §2.4) over the strings, the last of which is the plaintext.
    private func s2v(_ strings: [[UInt8]]) -> [UInt8] {
        var d = cmac([UInt8](repeating: 0, count: 16))
        for string in strings.dropLast() {
            d = xor(dbl(d), cmac(string))
        }
        let last = strings.last ?? []
        let t: [UInt8]
        if last.count >= 16 {
            t = Array(last[..<(last.count - 16)]) + xor(Array(last[(last.count - 16)...]), d)
        } else {
            t = xor(dbl(d), pad(last))
        }
        return cmac(t)
    }

    private func ctr(_ data: [UInt8], iv: [UInt8]) -> [UInt8] {
        guard !data.isEmpty else { return [] }
        var q = iv
        q[8] &= 0x7f  // clear bit 63 and bit 31, counting from the right (RFC 5297 §2.5)
        q[12] &= 0x7f
        let nonce = try! AES._CTR.Nonce(nonceBytes: q)
        return Array(try! AES._CTR.encrypt(data, using: ctrKey, nonce: nonce))
    }

    /// Doubling in GF(2^128) (RFC 5297 §2.3).
    private func dbl(_ block: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 16)
        var carry: UInt8 = 0
        for index in stride(from: 15, through: 0, by: -1) {
            result[index] = (block[index] << 1) | carry
            carry = block[index] >> 7
        }
        if carry == 1 { result[15] ^= 0x87 }
        return result
    }

    private func pad(_ bytes: [UInt8]) -> [UInt8] {
        var padded = bytes + [0x80]
        padded += [UInt8](repeating: 0, count: 16 - padded.count)
        return padded
    }

    private func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }
}
