import Crypto
import Foundation
import Testing

@testable import Tokenization

private func hex(_ text: String) -> [UInt8] {
    let clean = text.filter { !$0.isWhitespace }
    return stride(from: 0, to: clean.count, by: 2).map { offset in
        let start = clean.index(clean.startIndex, offsetBy: offset)
        return UInt8(clean[start..<clean.index(start, offsetBy: 2)], radix: 16)!
    }
}

private func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Published vectors: RFC 5297 AES-SIV, NIST FF1 samples, RFC 4231 HMAC-SHA-256.
@Suite("Published test vectors")
struct CryptoVectorTests {
    @Test("RFC 5297 A.1: deterministic AES-SIV")
    func sivA1() {
        let siv = AESSIV(key: SymmetricKey(data: hex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")))
        let ad = hex("101112131415161718191a1b1c1d1e1f2021222324252627")
        let sealed = siv.seal(hex("112233445566778899aabbccddee"), associatedData: [ad])
        #expect(hexString(sealed) == "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c")
        #expect(siv.open(sealed, associatedData: [ad]) == hex("112233445566778899aabbccddee"))
        var tampered = sealed
        tampered[20] ^= 1
        #expect(siv.open(tampered, associatedData: [ad]) == nil)
        #expect(siv.open(sealed, associatedData: []) == nil)
    }

    @Test("RFC 5297 A.2: AES-SIV with several associated data and a nonce")
    func sivA2() {
        let siv = AESSIV(key: SymmetricKey(data: hex("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f")))
        let ads = [
            hex("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100"),
            hex("102030405060708090a0"),
            hex("09f911029d74e35bd84156c5635688c0"),
        ]
        let plaintext = hex("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553")
        let sealed = siv.seal(plaintext, associatedData: ads)
        #expect(
            hexString(sealed)
                == "7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d")
        #expect(siv.open(sealed, associatedData: ads) == plaintext)
    }

    struct FF1Sample: Sendable, CustomTestStringConvertible {
        var number: Int
        var key: String
        var radix: Int
        var tweak: String
        var plaintext: String
        var ciphertext: String
        var testDescription: String { "NIST FF1 sample \(number)" }
    }

    static let k128 = "2B7E151628AED2A6ABF7158809CF4F3C"
    static let k192 = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F"
    static let k256 = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94"
    static let samples: [FF1Sample] = [
        .init(number: 1, key: k128, radix: 10, tweak: "", plaintext: "0123456789", ciphertext: "2433477484"),
        .init(number: 2, key: k128, radix: 10, tweak: "39383736353433323130", plaintext: "0123456789", ciphertext: "6124200773"),
        .init(number: 3, key: k128, radix: 36, tweak: "3737373770717273373737", plaintext: "0123456789abcdefghi", ciphertext: "a9tv40mll9kdu509eum"),
        .init(number: 4, key: k192, radix: 10, tweak: "", plaintext: "0123456789", ciphertext: "2830668132"),
        .init(number: 5, key: k192, radix: 10, tweak: "39383736353433323130", plaintext: "0123456789", ciphertext: "2496655549"),
        .init(number: 6, key: k192, radix: 36, tweak: "3737373770717273373737", plaintext: "0123456789abcdefghi", ciphertext: "xbj3kv35jrawxv32ysr"),
        .init(number: 7, key: k256, radix: 10, tweak: "", plaintext: "0123456789", ciphertext: "6657667009"),
        .init(number: 8, key: k256, radix: 10, tweak: "39383736353433323130", plaintext: "0123456789", ciphertext: "1001623463"),
        .init(number: 9, key: k256, radix: 36, tweak: "3737373770717273373737", plaintext: "0123456789abcdefghi", ciphertext: "xs8a0azh2avyalyzuwd"),
    ]

    @Test(arguments: samples)
    func ff1(sample: FF1Sample) {
        let ff1 = FF1(key: SymmetricKey(data: hex(sample.key)), radix: sample.radix)
        let numerals = sample.plaintext.unicodeScalars.map { FormatPreservingCipher.numeral(of: $0)! }
        let encrypted = ff1.encrypt(numerals, tweak: hex(sample.tweak))
        let text = String(String.UnicodeScalarView(encrypted.map { FormatPreservingCipher.alphabet62[$0] }))
        #expect(text == sample.ciphertext)
        #expect(ff1.decrypt(encrypted, tweak: hex(sample.tweak)) == numerals)
    }

    struct HMACCase: Sendable {
        var key: String
        var data: String
        var mac: String
    }

    /// RFC 4231 test cases 1, 2, 4, 6 and 7 (HMAC-SHA256), through the same HMAC the hmac scheme uses.
    @Test(arguments: [
        HMACCase(
            key: String(repeating: "0b", count: 20), data: "4869205468657265",
            mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        HMACCase(
            key: "4a656665", data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
            mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        HMACCase(
            key: "0102030405060708090a0b0c0d0e0f10111213141516171819", data: String(repeating: "cd", count: 50),
            mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        HMACCase(
            key: String(repeating: "aa", count: 131),
            data: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
            mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        HMACCase(
            key: String(repeating: "aa", count: 131),
            data:
                "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
            mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func rfc4231(testCase: HMACCase) {
        let mac = HMAC<SHA256>.authenticationCode(for: hex(testCase.data), using: SymmetricKey(data: hex(testCase.key)))
        #expect(hexString(mac) == testCase.mac)
    }
}
