import Foundation
import Testing

@testable import Tokenization

/// base64url without padding, against Foundation's encoder for every length.
@Suite("Base64url")
struct Base64URLTests {
    @Test("Encodes like Foundation's base64 with the URL alphabet and no padding, for every length 0…64")
    func matchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
            #expect(Base64URL.decode(expected) == bytes)
        }
    }

    @Test("Rejects characters outside the alphabet, impossible lengths and non-canonical trailing bits")
    func rejectsMalformed() {
        #expect(Base64URL.decode("ab+c") == nil)
        #expect(Base64URL.decode("ab=") == nil)
        #expect(Base64URL.decode("abcde") == nil)  // 4n+1 characters encode nothing
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QR") == nil)  // the same byte with a stray low bit
        #expect(Base64URL.decode("") == [])
    }
}
