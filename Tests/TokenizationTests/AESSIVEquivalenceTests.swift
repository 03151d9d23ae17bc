import Crypto
import TestSupport
import Testing

@testable import Tokenization

/// `AESSIV` on `AESBlockCipher` against `ReferenceAESSIV` (swift-crypto's CMAC and CTR): the same sealed bytes on
/// random keys of every size, associated data and plaintexts of 0–80 bytes (empty, partial and whole blocks),
/// and the same verdicts when opening, tampered input included. Tokens written before must still open.
@Suite struct AESSIVEquivalenceTests {
    @Test func sealsAndOpensLikeTheReference() {
        var random = SplitMix64(seed: 5297)
        for round in 0..<400 {
            let key = SymmetricKey(data: (0..<[32, 48, 64][round % 3]).map { _ in UInt8.random(in: 0...255, using: &random) })
            let associatedData = (0..<(round % 4)).map { _ in
                (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            let plaintext = (0..<(round % 81)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let fast = AESSIV(key: key)
            let reference = ReferenceAESSIV(key: key)
            let sealed = fast.seal(plaintext, associatedData: associatedData)
            #expect(sealed == reference.seal(plaintext, associatedData: associatedData), "round \(round)")
            #expect(fast.open(sealed, associatedData: associatedData) == plaintext, "round \(round)")
            var tampered = sealed
            tampered[Int.random(in: 0..<tampered.count, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
            #expect(fast.open(tampered, associatedData: associatedData) == nil, "round \(round)")
            #expect(reference.open(tampered, associatedData: associatedData) == nil, "round \(round)")
        }
    }

    /// The counter counts across its low bytes: a plaintext of many blocks whose synthetic IV ends in 0xff bytes
    /// is found by search, and both implementations agree on it.
    @Test func theCounterCarriesLikeTheReference() {
        let key = SymmetricKey(data: [UInt8](repeating: 0x42, count: 64))
        let fast = AESSIV(key: key)
        let reference = ReferenceAESSIV(key: key)
        var found = 0
        for candidate in 0..<4_000 where found < 3 {
            let plaintext = Array("value \(candidate) with several blocks of text to count through".utf8)
            let sealed = fast.seal(plaintext)
            guard sealed[15] == 0xff else { continue }
            #expect(sealed == reference.seal(plaintext), "candidate \(candidate)")
            found += 1
        }
        #expect(found > 0)
    }
}
