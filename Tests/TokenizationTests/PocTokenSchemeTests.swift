import Testing
import Tokenization

/// The `poc` scheme: known tokens, long values, idempotent on random input.
@Suite struct PocTokenSchemeTests {
    let scheme = PocTokenScheme()

    @Test func knownTokens() {
        #expect(scheme.token(for: "ada@example.com") == "tok_YWRhQGV4YW1wbGUuY29t_poc")
        #expect(scheme.token(for: "Zoë") == "tok_Wm/Dqw==_poc")
        #expect(scheme.token(for: "a") == "tok_YQ==_poc")
    }

    @Test func longValuesAreNeverLineWrapped() {
        let long = String(repeating: "müller-łukasiewicz ", count: 20)
        let token = scheme.token(for: long)
        #expect(!token.contains("\n"))
        #expect(scheme.isToken(token))
    }

    @Test(arguments: ["tok_YWJj_poc", "tok_Wm/Dqw==_poc", "tok_+/=_poc"])
    func recognisesTokens(value: String) {
        #expect(scheme.isToken(value))
    }

    @Test(arguments: ["tok__poc", "tok_a b_poc", "tok_abc_po", "xtok_abc_poc", "tok_abc_poc\n", "tok_äbc_poc", "plain"])
    func rejectsNonTokens(value: String) {
        #expect(!scheme.isToken(value))
    }

    @Test func tokenizingIsIdempotentOnRandomInput() {
        for _ in 0..<500 {
            let scalars = (0..<Int.random(in: 1...80)).compactMap { _ in Unicode.Scalar(UInt32.random(in: 32...0x2FFF)) }
            let value = String(String.UnicodeScalarView(scalars))
            let token = scheme.token(for: value)
            #expect(scheme.isToken(token))
        }
    }
}
