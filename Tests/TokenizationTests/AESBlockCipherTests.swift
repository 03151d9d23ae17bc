import Crypto
import CryptoExtras
import TestSupport
import Testing

@testable import Tokenization

/// `AESBlockCipher` on the processor's AES instructions and on swift-crypto, against FIPS-197's vectors and
/// against `AES.permute` one block at a time.
@Suite struct AESBlockCipherTests {
    private static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    /// Both paths, or only swift-crypto's where the processor has no AES instructions.
    private static func ciphers(_ key: SymmetricKey) -> [AESBlockCipher] {
        [AESBlockCipher(key: key, useHardware: false)] + (AESBlockCipher.hardwareAvailable ? [AESBlockCipher(key: key)] : [])
    }

    private static func encrypt(_ block: [UInt8], with cipher: AESBlockCipher) -> [UInt8] {
        var output = block
        output.withUnsafeMutableBufferPointer { cipher.encrypt($0.baseAddress!) }
        return output
    }

    /// FIPS-197 appendix C: one plaintext under AES-128, -192 and -256.
    @Test(arguments: [
        ("000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"),
        ("000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "8ea2b7ca516745bfeafc49904b496089"),
    ])
    func fips197Vectors(key: String, ciphertext: String) {
        let plaintext = Self.bytes("00112233445566778899aabbccddeeff")
        for cipher in Self.ciphers(SymmetricKey(data: Self.bytes(key))) {
            #expect(Self.encrypt(plaintext, with: cipher) == Self.bytes(ciphertext), "hardware: \(cipher.usesHardware)")
        }
    }

    /// Random keys of every size and messages of 0–5 blocks: the CBC-MAC equals `AES.permute` chained by hand.
    @Test func cbcMACMatchesSwiftCryptoBlockByBlock() throws {
        var random = SplitMix64(seed: 2026)
        for round in 0..<300 {
            let key = SymmetricKey(data: (0..<[16, 24, 32][round % 3]).map { _ in UInt8.random(in: 0...255, using: &random) })
            let start = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
            let data = (0..<16 * (round % 6)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var expected = start
            for block in stride(from: 0, to: data.count, by: 16) {
                for index in 0..<16 { expected[index] ^= data[block + index] }
                try AES.permute(&expected, key: key)
            }
            for cipher in Self.ciphers(key) {
                var mac = [UInt8](repeating: 0, count: 16)
                mac.withUnsafeMutableBufferPointer { out in
                    cipher.cbcMAC(start: start, data: data, blockCount: data.count / 16, into: out.baseAddress!)
                }
                #expect(mac == expected, "round \(round), hardware: \(cipher.usesHardware)")
            }
        }
    }

    /// The output may be the start block itself, as FF1 uses it.
    @Test func theMACMayOverwriteItsStart() throws {
        let key = SymmetricKey(data: [UInt8](repeating: 7, count: 32))
        let data = [UInt8](repeating: 3, count: 32)
        var expected = [UInt8](repeating: 9, count: 16)
        for block in [0, 16] {
            for index in 0..<16 { expected[index] ^= data[block + index] }
            try AES.permute(&expected, key: key)
        }
        for cipher in Self.ciphers(key) {
            var state = [UInt8](repeating: 9, count: 16)
            state.withUnsafeMutableBufferPointer { cipher.cbcMAC(start: $0.baseAddress!, data: data, blockCount: 2, into: $0.baseAddress!) }
            #expect(state == expected, "hardware: \(cipher.usesHardware)")
        }
    }

    /// CI machines have AES-NI: there the fast path must be the one the other tests exercise, not skipped.
    @Test func theHardwarePathIsUsedWhereTheProcessorHasIt() {
        #expect(AESBlockCipher.hardwareAvailable || !TestEnvironment.isCI, "CI=true but no AES instructions were found")
        if AESBlockCipher.hardwareAvailable {
            #expect(AESBlockCipher(key: SymmetricKey(size: .bits256)).usesHardware)
        }
    }
}
