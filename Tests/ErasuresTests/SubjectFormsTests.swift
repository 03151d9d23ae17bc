import Foundation
import Testing
import Tokenization

/// The key ring's part in erasures: a value's every token form, sealed identifiers, keyed digests.
@Suite("A person's value in every form a tokenized column may hold, and their identifiers sealed then digested")
struct SubjectFormsTests {
    let tokenizer = Tokenizer(
        keyring: TokenKeyring(keys: [
            TokenKey(id: "old", secret: Array(repeating: 3, count: 32)), TokenKey(id: "new", secret: Array(repeating: 4, count: 32)),
        ]))

    @Test("Plaintext, its normalizations, and hmac, siv and ff1 tokens under every key")
    func forms() throws {
        let value = "Zoe\u{0308}.Muller@Example.com"
        let forms = Set(tokenizer.subjectForms(of: value))
        #expect(forms.contains(value))
        #expect(forms.contains(Normalization.nfc.apply(value)))
        #expect(forms.contains(Normalization.nfcCasefold.apply(value)))
        #expect(forms.contains(try tokenizer.token(for: value, scheme: .hmac)))
        #expect(forms.contains(try tokenizer.token(for: value, scheme: .siv)))
        #expect(forms.contains(try tokenizer.token(for: value, scheme: .ff1)))
        #expect(forms.contains(try tokenizer.token(for: value, scheme: .hmac, normalization: .nfcCasefold)))
        let old = Tokenizer(keyring: TokenKeyring(keys: [TokenKey(id: "old", secret: Array(repeating: 3, count: 32))]))
        for scheme in [TokenSchemeName.hmac, .siv, .ff1] { #expect(forms.contains(try old.token(for: value, scheme: scheme))) }
    }

    @Test("Sealed identifiers open with the ring; a changed byte or a missing key refuses")
    func sealed() throws {
        let sealed = try tokenizer.sealSubject("{\"email\":\"a@example.com\"}")
        #expect(sealed.hasPrefix("es_new_"))
        #expect(try tokenizer.openSubject(sealed) == "{\"email\":\"a@example.com\"}")
        var bytes = Array(sealed.utf8)
        bytes[bytes.count - 3] = bytes[bytes.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: TokenizationError.self) { try tokenizer.openSubject(String(decoding: bytes, as: UTF8.self)) }
        let other = Tokenizer(keyring: TokenKeyring(keys: [TokenKey(id: "other", secret: Array(repeating: 5, count: 32))]))
        #expect(throws: TokenizationError.self) { try other.openSubject(sealed) }
    }

    @Test("The digest is keyed, stable, and not any token of the value")
    func digest() throws {
        let digest = try tokenizer.subjectDigest("email:a@example.com")
        #expect(digest.hasPrefix("new:") && digest.count == 4 + 64)
        #expect(try tokenizer.subjectDigest("email:a@example.com") == digest)
        #expect(try tokenizer.subjectDigest("email:a@example.com", keyID: "old") != digest)
        #expect(!tokenizer.subjectForms(of: "email:a@example.com").contains { $0.hasSuffix(String(digest.dropFirst(4))) })
    }
}
