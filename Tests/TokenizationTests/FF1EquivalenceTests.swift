import Crypto
import TestSupport
import Testing

@testable import Tokenization

/// The fast `FF1` against `ReferenceFF1` (the standard read step by step) on random keys, tweaks and numerals:
/// every radix class (tiny, decimal, the token alphabets, 2^16) and lengths whose numbers span one to many limbs
/// and whose S takes one to several AES blocks.
@Suite struct FF1EquivalenceTests {
    @Test(arguments: [2, 3, 10, 36, 62, 255, 256, 1000, 65_536])
    func matchesTheReferenceOnRandomInputs(radix: Int) {
        var random = SplitMix64(seed: UInt64(radix))
        for round in 0..<120 {
            let keyBytes = (0..<[16, 24, 32][round % 3]).map { _ in UInt8.random(in: 0...255, using: &random) }
            let key = SymmetricKey(data: keyBytes)
            let length = round < 60 ? 2 + round : Int.random(in: 2...90, using: &random)
            let numerals = (0..<length).map { _ in Int.random(in: 0..<radix, using: &random) }
            let tweak = (0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let reference = ReferenceFF1(key: key, radix: radix)
            // AES on the processor's instructions (where present) and on swift-crypto: the same FF1.
            for fast in [FF1(key: key, radix: radix), FF1(cipher: AESBlockCipher(key: key, useHardware: false), radix: radix)] {
                let encrypted = fast.encrypt(numerals, tweak: tweak)
                #expect(encrypted == reference.encrypt(numerals, tweak: tweak), "radix \(radix), length \(length), round \(round)")
                #expect(fast.decrypt(encrypted, tweak: tweak) == numerals, "radix \(radix), length \(length), round \(round)")
                #expect(fast.decrypt(numerals, tweak: tweak) == reference.decrypt(numerals, tweak: tweak), "radix \(radix), length \(length)")
            }
        }
    }

    /// Inputs long enough that S takes more than 256 AES blocks, where [j]^16 reaches past its last byte: the fast
    /// FF1 against answers computed by the e2e oracle's FF1 (Python, written from SP 800-38G), which match NIST's
    /// sample 1. SHA-256 of the output numerals (big-endian, 2 bytes for radix 2^16, 1 for radix 10).
    @Test(arguments: [
        (65_536, 4_100, 7_919, "c12c87c9a09db3ea6252439d1b99dab8271c207f715a7ba1351f3a5091e5f573"),
        (10, 20_000, 7, "b605844f39b12ca1947144828f676bdb1fed89a01c3245e8edb34de8232e91fb"),
    ])
    func longInputsFollowTheStandard(radix: Int, length: Int, step: Int, expected: String) {
        let key = SymmetricKey(data: Hex.decode("2B7E151628AED2A6ABF7158809CF4F3C")!)
        let numerals = (0..<length).map { ($0 * step) % radix }
        let ff1 = FF1(key: key, radix: radix)
        let encrypted = ff1.encrypt(numerals)
        let bytes = encrypted.flatMap { radix > 256 ? [UInt8($0 >> 8), UInt8($0 & 0xff)] : [UInt8($0)] }
        #expect(Hex.encode(Array(SHA256.hash(data: bytes))) == expected)
        #expect(ff1.decrypt(encrypted) == numerals)
    }

    /// Tokens are unchanged by the byte-level transform: the same token as the scalar-level reference for values
    /// mixing ASCII letters and digits with separators, multi-byte characters and an `@`.
    @Test func theFormatPreservingTransformMatchesTheReference() {
        var random = SplitMix64(seed: 7)
        let key = TokenKey(id: "k1", secret: (0..<32).map { UInt8($0) })
        let alphabet = Array("abcXYZ0123456789 .-+@_üßł😀\u{301}")
        var compared = 0
        for _ in 0..<1500 {
            let value = String((0..<Int.random(in: 0...30, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let cipher = FormatPreservingCipher(key: key)
            let token = cipher.transform(value, decrypting: false)
            #expect(token == referenceFormatPreservingTransform(value, key: key.ff1Key, decrypting: false), "\(value.debugDescription)")
            if let token {
                #expect(cipher.transform(token, decrypting: true) == value)
                compared += 1
            }
        }
        #expect(compared > 500, "most values are long enough for FF1")
    }
}
