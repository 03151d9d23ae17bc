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
