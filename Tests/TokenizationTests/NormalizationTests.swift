import Foundation
import Testing

@testable import Tokenization

/// Unicode normalization: NFC recognised byte by byte, rekey moves reversible tokens to the normalization.
@Suite struct NormalizationTests {
    let tokenizer = Tokenizer(keyring: try! TokenKeyring.parse("k1=\(Data(repeating: 1, count: 32).base64EncodedString())"))

    /// Byte-exact by default: the same name composed and decomposed gets two tokens (Swift's `==` would call the two
    /// strings equal; the bytes differ). With NFC, one token; with NFC + case folding, e-mail addresses in any case too.
    @Test(arguments: [TokenSchemeName.hmac, .siv, .ff1])
    func nfcGivesComposedAndDecomposedOneToken(scheme: TokenSchemeName) throws {
        let composed = "Zo\u{EB} M\u{FC}ller <zoe.mueller@example.com>"
        let decomposed = "Zoe\u{308} Mu\u{308}ller <zoe.mueller@example.com>"
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        #expect(try tokenizer.token(for: composed, scheme: scheme) != tokenizer.token(for: decomposed, scheme: scheme))
        #expect(
            try tokenizer.token(for: composed, scheme: scheme, normalization: .nfc)
                == tokenizer.token(for: decomposed, scheme: scheme, normalization: .nfc))
        let shouted = "ZOE\u{308}.MU\u{308}LLER@EXAMPLE.COM"
        let quiet = "zo\u{EB}.m\u{FC}ller@example.com"
        #expect(
            try tokenizer.token(for: shouted, scheme: scheme, normalization: .nfcCasefold)
                == tokenizer.token(for: quiet, scheme: scheme, normalization: .nfcCasefold))
        if scheme != .hmac {
            // A reversible token gives back the normalized value.
            let token = try tokenizer.token(for: decomposed, scheme: scheme, normalization: .nfc)
            #expect(Array(try tokenizer.detokenize(token, scheme: scheme).utf8) == Array(composed.utf8))
        }
    }

    @Test func nfcIsRecognisedByteByByte() {
        #expect(Normalization.isNFC("ada@example.com") && Normalization.isNFC("Zo\u{EB}"))
        #expect(!Normalization.isNFC("Zoe\u{308}"))
    }

    /// A rekey run moves siv and ff1 tokens to a normalization: the value is decrypted, normalized, encrypted again.
    @Test func rekeyMovesReversibleTokensToTheNormalization() throws {
        let decomposed = "Zoe\u{308} M\u{FC}ller-Smith"
        let siv = try tokenizer.token(for: decomposed, scheme: .siv)
        let moved = try #require(try tokenizer.rekeySIV(siv, normalization: .nfc))
        #expect(moved == (try tokenizer.token(for: decomposed, scheme: .siv, normalization: .nfc)))
        #expect(try tokenizer.rekeySIV(moved, normalization: .nfc) == nil, "already normalized: nothing to move")
        let ff1 = try tokenizer.token(for: decomposed, scheme: .ff1)
        let movedFF1 = try #require(try tokenizer.rekeyFF1(ff1, from: "k1", normalization: .nfc))
        #expect(Array(movedFF1.utf8) == Array((try tokenizer.token(for: decomposed, scheme: .ff1, normalization: .nfc)).utf8))
        #expect(try tokenizer.rekeyFF1(ff1, from: "k1") == nil, "same key, byte-exact: nothing to move")
    }
}
