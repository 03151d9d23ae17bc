import Crypto

/// AES-SIV deterministic authenticated encryption (RFC 5297): S2V over AES-CMAC, then AES-CTR, both on
/// `AESBlockCipher` (AES keyed once: on AES-NI a token costs a handful of blocks and no key expansion). The key is
/// 32, 48 or 64 bytes: the first half keys CMAC, the second half keys CTR.
///
/// Built once per key: the two ciphers, CMAC's subkeys, and the S2V state after the associated data
/// (`Header`), computed once and reused for every value. `Tests/TokenizationTests/ReferenceAESSIV.swift` is the
/// earlier composition from swift-crypto's CMAC and CTR that this is compared with.
public struct AESSIV: Sendable {
    private let macCipher: AESBlockCipher
    private let ctrCipher: AESBlockCipher
    /// CMAC's subkeys K1 and K2 (RFC 4493 §2.3).
    private let subkeys: (k1: [UInt8], k2: [UInt8])
    /// CMAC(K, 0^128), the start of every S2V.
    private let zeroMAC: [UInt8]

    /// The S2V state after the associated data strings: constant for a key and its associated data.
    public struct Header: Sendable {
        fileprivate let state: [UInt8]
    }

    public init(key: SymmetricKey) {
        precondition([32, 48, 64].contains(key.bitCount / 8), "AES-SIV keys are 256, 384 or 512 bits")
        let bytes = key.withUnsafeBytes { Array($0) }
        let half = bytes.count / 2
        let macCipher = AESBlockCipher(key: SymmetricKey(data: bytes[..<half]))
        var l = [UInt8](repeating: 0, count: 16)  // L = AES(K, 0^128)
        l.withUnsafeMutableBufferPointer { macCipher.encrypt($0.baseAddress!) }
        let k1 = Self.dbl(l)
        let subkeys = (k1: k1, k2: Self.dbl(k1))
        self.macCipher = macCipher
        self.subkeys = subkeys
        ctrCipher = AESBlockCipher(key: SymmetricKey(data: bytes[half...]))
        zeroMAC = Self.cmac([UInt8](repeating: 0, count: 16), cipher: macCipher, subkeys: subkeys)
    }

    /// The S2V state after `associatedData`, to seal or open many values with the same associated data.
    public func header(associatedData: [[UInt8]]) -> Header {
        var d = zeroMAC
        for string in associatedData {
            d = Self.xor(Self.dbl(d), cmac(string))
        }
        return Header(state: d)
    }

    /// `V || C`: the 16-byte synthetic IV followed by the ciphertext (same length as the plaintext).
    public func seal(_ plaintext: [UInt8], associatedData: [[UInt8]] = []) -> [UInt8] {
        seal(plaintext, header: header(associatedData: associatedData))
    }

    /// `V || C` for a plaintext whose associated data is already folded into `header`.
    public func seal(_ plaintext: [UInt8], header: Header) -> [UInt8] {
        var sealed = s2v(plaintext, header: header)
        sealed.reserveCapacity(16 + plaintext.count)
        sealed.append(contentsOf: plaintext)
        ctr(&sealed)
        return sealed
    }

    /// The plaintext, or nil when `sealed` is not authentic under this key and associated data.
    public func open(_ sealed: [UInt8], associatedData: [[UInt8]] = []) -> [UInt8]? {
        open(sealed, header: header(associatedData: associatedData))
    }

    /// The plaintext, or nil when `sealed` is not authentic under this key and the header's associated data.
    public func open(_ sealed: [UInt8], header: Header) -> [UInt8]? {
        guard sealed.count >= 16 else { return nil }
        var opened = sealed
        ctr(&opened)
        let plaintext = Array(opened[16...])
        let expected = s2v(plaintext, header: header)
        // Constant-time comparison of the synthetic IV.
        var difference: UInt8 = 0
        for index in 0..<16 { difference |= sealed[index] ^ expected[index] }
        return difference == 0 ? plaintext : nil
    }

    private func cmac(_ data: [UInt8]) -> [UInt8] {
        Self.cmac(data, cipher: macCipher, subkeys: subkeys)
    }

    /// AES-CMAC (RFC 4493): CBC-MAC whose last block is XORed with K1 when complete, else padded (10*) and XORed
    /// with K2.
    private static func cmac(_ data: [UInt8], cipher: AESBlockCipher, subkeys: (k1: [UInt8], k2: [UInt8])) -> [UInt8] {
        let blocks = max(1, (data.count + 15) / 16)
        let complete = !data.isEmpty && data.count % 16 == 0
        var message = data
        if !complete {
            message.append(0x80)
            message.append(contentsOf: repeatElement(0, count: 16 * blocks - message.count))
        }
        let subkey = complete ? subkeys.k1 : subkeys.k2
        let last = 16 * (blocks - 1)
        for index in 0..<16 { message[last + index] ^= subkey[index] }
        var mac = [UInt8](repeating: 0, count: 16)
        mac.withUnsafeMutableBufferPointer { out in
            message.withUnsafeBufferPointer {
                cipher.cbcMAC(start: out.baseAddress!, data: $0.baseAddress!, blockCount: blocks, into: out.baseAddress!)
            }
        }
        return mac
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

    /// Applies AES-CTR in place to the bytes after the first 16, which hold the synthetic IV V: the counter
    /// starts at V with bits 63 and 31 (from the right) cleared (RFC 5297 §2.5) and counts up modulo 2^128.
    private func ctr(_ bytes: inout [UInt8]) {
        guard bytes.count > 16 else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { scratch in
            let zero = scratch.baseAddress!
            let counter = zero + 16
            let stream = zero + 32
            zero.initialize(repeating: 0, count: 16)
            for index in 0..<16 { counter[index] = bytes[index] }
            counter[8] &= 0x7f
            counter[12] &= 0x7f
            var offset = 16
            while offset < bytes.count {
                ctrCipher.cbcMAC(start: zero, data: counter, blockCount: 1, into: stream)
                for index in 0..<min(16, bytes.count - offset) { bytes[offset + index] ^= stream[index] }
                offset += 16
                var position = 15
                while position >= 0 {  // counter += 1, big-endian
                    counter[position] &+= 1
                    if counter[position] != 0 { break }
                    position -= 1
                }
            }
        }
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
