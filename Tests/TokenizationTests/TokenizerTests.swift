import Foundation
import TestSupport
import Testing

@testable import Tokenization

private func secret(_ byte: UInt8, count: Int = 32) -> String {
    Data(repeating: byte, count: count).base64EncodedString()
}

/// A deterministic generator, so a failing random case can be reproduced.

private let sample = ["ada@example.com", "+44 20 7946 0958", "078-05-1120", "Zoë Müller-Łukasiewicz", "a", "x\ny\t'\"", "😀 emoji"]

/// The key file: comments, blank lines, order, and a missing file that says what to do.
@Suite("Key ring")
struct TokenKeyringTests {
    @Test func parsesCommentsBlankLinesAndOrder() throws {
        let ring = try TokenKeyring.parse("# keys\n\nold=\(secret(1))\n  new = \(secret(2, count: 64))  \n")
        #expect(ring.keys.map(\.id) == ["old", "new"])
        #expect(ring.newest.id == "new")
        #expect(!"\(ring)".contains(secret(1)))
    }

    @Test(arguments: [
        ("k1", "line 1: expected KEY_ID=BASE64_SECRET"),
        ("k-1=\(secret(1))", "line 1: key id must be 1-16 letters or digits"),
        ("k1=!!!", "line 1 (key k1): the secret is not valid base64"),
        ("# c\nk1=\(secret(1, count: 16))", "line 2 (key k1): the secret is 16 bytes"),
        ("k1=\(secret(1))\nk1=\(secret(2))", "line 2: key id k1 appears twice"),
        ("# nothing\n", "holds no keys"),
    ])
    func rejectsBadFilesNamingTheLine(text: String, expected: String) {
        #expect {
            try TokenKeyring.parse(text)
        } throws: { error in
            "\(error)".contains(expected) && !"\(error)".contains(secret(1)) && !"\(error)".contains(secret(2))
        }
    }

    @Test func missingFileSaysWhatToDo() {
        #expect(throws: TokenKeyError.self) { try TokenKeyring.load(path: "/nonexistent/keys") }
    }
}

/// Every scheme: deterministic, recognised, reversible where it should be, ff1's documented siv fallback.
@Suite("Token schemes")
struct TokenizerTests {
    let tokenizer = Tokenizer(keyring: try! TokenKeyring.parse("k1=\(secret(1))\nk2=\(secret(2))"))
    let oldOnly = Tokenizer(keyring: try! TokenKeyring.parse("k1=\(secret(1))"))

    @Test func hmacIsDeterministicKeyedAndRecognised() throws {
        let token = try tokenizer.token(for: "ada@example.com", scheme: .hmac)
        #expect(token.hasPrefix("tkh_k2_") && token.utf8.count == "tkh_k2_".utf8.count + 43)
        #expect(try tokenizer.token(for: "ada@example.com", scheme: .hmac) == token)
        #expect(try oldOnly.token(for: "ada@example.com", scheme: .hmac) != token)
        #expect(tokenizer.recognize(token, scheme: .hmac) == .token(keyID: "k2"))
        // An old key's tokens are still recognised after rotation; unknown keys are not.
        let old = try oldOnly.token(for: "ada@example.com", scheme: .hmac)
        #expect(tokenizer.recognize(old, scheme: .hmac) == .token(keyID: "k1"))
        #expect(oldOnly.recognize(token, scheme: .hmac) == .plaintext)
        #expect(tokenizer.recognize("ada@example.com", scheme: .hmac) == .plaintext)
        #expect(throws: TokenizationError.self) { try tokenizer.detokenize(token) }
    }

    @Test func sivRoundTripsAndRecognisesByAuthentication() throws {
        for value in sample {
            let token = try tokenizer.token(for: value, scheme: .siv)
            #expect(token.hasPrefix("tks_k2_"))
            #expect(try tokenizer.detokenize(token) == value)
            #expect(tokenizer.recognize(token, scheme: .siv) == .token(keyID: "k2"))
        }
        let token = try tokenizer.token(for: "ada@example.com", scheme: .siv)
        // Same shape, wrong bytes: not a token. A pattern alone never decides.
        var forged = Array(token)
        forged[forged.count - 3] = forged[forged.count - 3] == "A" ? "B" : "A"
        #expect(tokenizer.recognize(String(forged), scheme: .siv) == .plaintext)
        #expect(tokenizer.recognize("tks_k2_" + String(repeating: "A", count: 40), scheme: .siv) == .plaintext)
        // The key id is authenticated: relabelling a token breaks it.
        #expect(tokenizer.recognize(token.replacingOccurrences(of: "tks_k2_", with: "tks_k1_"), scheme: .siv) == .plaintext)
    }

    @Test func sivRekeyMovesOldTokensToTheNewestKey() throws {
        let old = try oldOnly.token(for: "grace@example.com", scheme: .siv)
        let moved = try #require(try tokenizer.rekeySIV(old))
        #expect(moved.hasPrefix("tks_k2_"))
        #expect(try tokenizer.detokenize(moved) == "grace@example.com")
        #expect(try tokenizer.rekeySIV(moved) == nil)
    }

    @Test func ff1PreservesFormat() throws {
        let digits = try tokenizer.token(for: "4111111111111111", scheme: .ff1)
        #expect(digits.count == 16 && digits.allSatisfy(\.isNumber) && digits != "4111111111111111")
        let phone = try tokenizer.token(for: "+44 20 7946 0958", scheme: .ff1)
        #expect(phone != "+44 20 7946 0958")
        #expect(phone.count == 16 && phone.hasPrefix("+") && Array(phone)[3] == " " && Array(phone)[6] == " ")
        #expect(phone.filter(\.isNumber).count == 12)
        let email = try tokenizer.token(for: "ada.lovelace@example.com", scheme: .ff1)
        #expect(email.hasSuffix("@example.com") && email.count == "ada.lovelace@example.com".count && Array(email)[3] == ".")
        #expect(try tokenizer.detokenize(phone, scheme: .ff1) == "+44 20 7946 0958")
        #expect(try tokenizer.detokenize(email, scheme: .ff1) == "ada.lovelace@example.com")
        #expect(
            try tokenizer.rekeyFF1(try oldOnly.token(for: "078-05-1120", scheme: .ff1), from: "k1")
                == tokenizer.token(for: "078-05-1120", scheme: .ff1))
    }

    @Test func ff1FallsBackToSIVBelowTheMinimumDomain() throws {
        // 5 digits: 10^5 < 10^6. 3 alphanumerics: 62^3 < 10^6.
        for short in ["12345", "abc", "a-b", "---"] {
            let token = try tokenizer.token(for: short, scheme: .ff1)
            #expect(token.hasPrefix("tks_k2_"))
            #expect(tokenizer.recognize(token, scheme: .ff1) == .token(keyID: "k2"))
            #expect(try tokenizer.detokenize(token, scheme: .ff1) == short)
        }
        #expect(try !tokenizer.token(for: "123456", scheme: .ff1).hasPrefix("tks_"))
        #expect(try !tokenizer.token(for: "abcd", scheme: .ff1).hasPrefix("tks_"))
    }

    @Test func keysAreRequiredForKeyedSchemes() throws {
        let unkeyed = Tokenizer(keyring: nil)
        #expect(throws: TokenizationError.self) { try unkeyed.token(for: "x", scheme: .hmac) }
        #expect(try unkeyed.token(for: "x", scheme: .poc) == "tok_eA==_poc")
        #expect(throws: TokenizationError.self) { try unkeyed.detokenize("tok_eA==_poc") }
    }

    @Test("Round trips on 2000 random values per reversible scheme")
    func randomRoundTrips() throws {
        var random = SplitMix64(seed: 42)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-+@_'\"\\\tüßł😀")
        for _ in 0..<2000 {
            let length = Int.random(in: 0...40, using: &random)
            let value = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            let siv = try tokenizer.token(for: value, scheme: .siv)
            #expect(try tokenizer.detokenize(siv) == value)
            let ff1 = try tokenizer.token(for: value, scheme: .ff1)
            #expect(try tokenizer.detokenize(ff1, scheme: .ff1) == value, "ff1 round trip of \(value.debugDescription)")
            if !ff1.hasPrefix("tks_") {
                #expect(ff1.count == value.count && ff1.unicodeScalars.count == value.unicodeScalars.count)
                // ASCII letters and digits stay letters or digits; everything else stays exactly where it was.
                let alnum: (Unicode.Scalar) -> Bool = { FormatPreservingCipher.numeral(of: $0) != nil }
                #expect(zip(ff1.unicodeScalars, value.unicodeScalars).allSatisfy { alnum($0) ? alnum($1) : $0 == $1 })
            }
            #expect(tokenizer.recognize(try tokenizer.token(for: value, scheme: .hmac), scheme: .hmac) != .plaintext)
        }
    }
}
