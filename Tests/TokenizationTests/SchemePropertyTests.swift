import Foundation
import TestSupport
import Testing

@testable import Tokenization

/// Every scheme on any text a database can hold, seeded and repeatable (`TEST_SEED` replays a run): lengths from 0
/// to 1 MiB, characters from every Unicode plane, control characters and combining marks. No value traps, every
/// token is recognised as one, reversible tokens give back the exact bytes, and `ff1` falls back to `siv` exactly
/// where the README says (below NIST's minimum domain, above `Tokenizer.ff1MaximumLength` letters and digits).
@Suite struct SchemePropertyTests {
    static let tokenizer = Tokenizer(
        keyring: try! TokenKeyring.parse(
            "k1=\(Data(repeating: 1, count: 32).base64EncodedString())\nk2=\(Data(repeating: 2, count: 32).base64EncodedString())"))

    /// Scalars drawn from: ASCII letters and digits, separators, C0 and C1 controls, and each plane in use
    /// (0 BMP, 1 SMP, 2 and 3 CJK extensions, 14 tags, 15 and 16 private use), combining marks and the e-mail `@`.
    static func scalar(using random: inout SplitMix64) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x20...0x2F, 0x40...0x40, 0x01...0x1F, 0x7F...0x9F, 0xA0...0xD7FF, 0xE000...0xFFFD,
            0x1_0000...0x1_FFFD, 0x2_0000...0x2_FFFD, 0x3_0000...0x3_134A, 0xE_0000...0xE_01EF, 0xF_0000...0xF_FFFD, 0x10_0000...0x10_FFFD,
            0x300...0x36F,
        ]
        let range = ranges[Int(random.next() % UInt64(ranges.count))]
        return Unicode.Scalar(UInt32.random(in: range, using: &random))!
    }

    static func text(scalars count: Int, using random: inout SplitMix64) -> String {
        var view = String.UnicodeScalarView()
        for _ in 0..<count { view.append(scalar(using: &random)) }
        return String(view)
    }

    /// Letters and digits with a few separators: long values that keep FF1 busy (built as bytes: a debug build
    /// makes a million `Character`s slowly).
    static func alphanumeric(_ count: Int, using random: inout SplitMix64) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -.".utf8)
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count { bytes[index] = alphabet[Int(random.next() % UInt64(alphabet.count))] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// About `bytes` bytes of text from every plane: a random 4 KiB stretch, repeated.
    static func everyPlane(bytes: Int, using random: inout SplitMix64) -> String {
        let stretch = Array(text(scalars: 1_200, using: &random).utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes + stretch.count)
        while result.count < bytes { result += stretch }
        return String(decoding: result, as: UTF8.self)
    }

    /// The letters and digits FF1 would transform (the local part of an e-mail), and whether they are all digits.
    static func numerals(of value: String) -> (count: Int, decimal: Bool) {
        let bytes = Array(value.utf8)
        let end = bytes.lastIndex(of: UInt8(ascii: "@")) ?? bytes.endIndex
        let numerals = bytes[..<end].compactMap { FormatPreservingCipher.numeral(ofASCII: $0) }
        return (numerals.count, numerals.allSatisfy { $0 < 10 })
    }

    static func check(_ value: String, scheme: TokenSchemeName, _ note: @autoclosure () -> String) throws {
        let tokenizer = Self.tokenizer
        let token = try tokenizer.token(for: value, scheme: scheme)
        #expect(try tokenizer.token(for: value, scheme: scheme) == token, "deterministic: \(note())")
        switch scheme {
        case .poc, .hmac, .siv:
            // An empty value is never tokenized (nothing to protect): its poc token `tok__poc` is no token shape.
            #expect(value.isEmpty && scheme == .poc || tokenizer.recognize(token, scheme: scheme) != .plaintext, "recognised: \(note())")
        case .ff1:
            let (count, decimal) = numerals(of: value)
            let inDomain = count >= (decimal ? Tokenizer.ff1MinimumDigits : Tokenizer.ff1MinimumLetters) && count <= Tokenizer.ff1MaximumLength
            if inDomain {
                #expect(token.utf8.count == value.utf8.count, "same length: \(note())")
            } else {
                #expect(token.hasPrefix(Tokenizer.sivPrefix) && tokenizer.recognize(token, scheme: .ff1) != .plaintext, "siv fallback: \(note())")
            }
        }
        if scheme == .siv || scheme == .ff1 {
            #expect(Array(try tokenizer.detokenize(token, scheme: scheme).utf8) == Array(value.utf8), "round trip: \(note())")
        }
    }

    // The cases are async and yield between values: the cooperative pool (2 threads here) stays free for the suites
    // that wait on tasks meanwhile.
    @Test(arguments: TokenSchemeName.allCases)
    func anyTextOfAnyLength(scheme: TokenSchemeName) async throws {
        let seed = SplitMix64.seedForThisRun()
        var random = SplitMix64(seed: seed)
        let lengths = [0, 1, 2, 3, 4, 5, 6, 7, 16, 100, 1_000] + (0..<40).map { _ in Int(random.next() % 300) }
        for length in lengths {
            let value = Self.text(scalars: length, using: &random)
            try Self.check(value, scheme: scheme, "seed \(seed), \(length) scalars")
            await Task.yield()
        }
    }

    @Test(arguments: TokenSchemeName.allCases)
    func longValuesUpToOneMebibyte(scheme: TokenSchemeName) async throws {
        let seed = SplitMix64.seedForThisRun()
        var random = SplitMix64(seed: seed)
        for length in [Tokenizer.ff1MaximumLength - 1, Tokenizer.ff1MaximumLength, Tokenizer.ff1MaximumLength + 1, 11_000, 65_536, 1 << 20] {
            let value = Self.alphanumeric(length, using: &random)
            try Self.check(value, scheme: scheme, "seed \(seed), \(length) letters, digits and separators")
            await Task.yield()
        }
        try Self.check(Self.everyPlane(bytes: 1 << 20, using: &random), scheme: scheme, "seed \(seed), 1 MiB of text from every plane")
        try Self.check(String(repeating: "7", count: 1 << 20), scheme: scheme, "1 MiB of digits")
    }

    @Test func controlCharactersAndLoneMarksAreTextLikeAnyOther() throws {
        let values = [
            "\u{0}", "\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}", "a\u{0}b\u{1}c\u{1F}d\u{7F}e", "\u{301}\u{301}", "\r\n\t", "\u{FEFF}123456", "\u{10FFFD}",
            "@", "@@@@@@", "12345@", "123456@x",
        ]
        for value in values {
            for scheme in TokenSchemeName.allCases { try Self.check(value, scheme: scheme, value.debugDescription) }
        }
    }

    @Test func ff1KeepsTheFormatInsideItsDomainAndFallsBackOutside() throws {
        let tokenizer = Self.tokenizer
        #expect(try tokenizer.token(for: "12345", scheme: .ff1).hasPrefix(Tokenizer.sivPrefix))
        #expect(try !tokenizer.token(for: "123456", scheme: .ff1).hasPrefix(Tokenizer.sivPrefix))
        #expect(try tokenizer.token(for: "abc", scheme: .ff1).hasPrefix(Tokenizer.sivPrefix))
        #expect(try !tokenizer.token(for: "abcd", scheme: .ff1).hasPrefix(Tokenizer.sivPrefix))
        let longest = String(repeating: "9", count: Tokenizer.ff1MaximumLength)
        let token = try tokenizer.token(for: longest, scheme: .ff1)
        #expect(token.utf8.count == longest.utf8.count && token.allSatisfy(\.isNumber))
        #expect(try tokenizer.token(for: longest + "9", scheme: .ff1).hasPrefix(Tokenizer.sivPrefix))
        // Separators do not count: a long value with few letters and digits is still in the domain.
        #expect(try !tokenizer.token(for: String(repeating: "-", count: 100_000) + "abcd", scheme: .ff1).hasPrefix(Tokenizer.sivPrefix))
    }
}
