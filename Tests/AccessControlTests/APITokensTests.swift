import Testing

@testable import AccessControl

/// API tokens: known tokens name their caller, near misses name nobody, no token is ever shown, an empty file is refused.
@Suite struct APITokensTests {
    let file = """
        # callers of the API
        ops=0123456789abcdef0123456789abcdef

        ci-bot = ffffffffffffffffffffffffffffffff
        """

    @Test func knownTokensNameTheirCaller() throws {
        let tokens = try APITokens.parse(file)
        #expect(tokens.names == ["ops", "ci-bot"])
        #expect(tokens.caller(presenting: "0123456789abcdef0123456789abcdef") == "ops")
        #expect(tokens.caller(presenting: "ffffffffffffffffffffffffffffffff") == "ci-bot")
    }

    @Test func unknownAndNearMissTokensNameNobody() throws {
        let tokens = try APITokens.parse(file)
        #expect(tokens.caller(presenting: "") == nil)
        #expect(tokens.caller(presenting: "0123456789abcdef0123456789abcdee") == nil)
        #expect(tokens.caller(presenting: "0123456789abcdef0123456789abcdef ") == nil)
        #expect(tokens.caller(presenting: "ops") == nil)
    }

    @Test func descriptionNeverShowsTokens() throws {
        let tokens = try APITokens.parse(file)
        #expect(!"\(tokens)".contains("0123456789abcdef"))
        #expect("\(tokens)" == "APITokens(ops, ci-bot)")
    }

    @Test(arguments: [
        ("ops 0123456789abcdef0123456789abcdef", 1, "expected NAME=TOKEN"),
        ("=0123456789abcdef0123456789abcdef", 1, "the name must be"),
        ("ops=short", 1, "at least 24"),
        ("a=0123456789abcdef0123456789abcdef\na=ffffffffffffffffffffffffffffffff", 2, "appears twice"),
        ("a=0123456789abcdef0123456789abcdef\nb=0123456789abcdef0123456789abcdef", 2, "another name"),
    ])
    func badLinesAreNamed(text: String, line: Int, fragment: String) {
        #expect {
            try APITokens.parse(text)
        } throws: { error in
            let error = error as! AccessError
            return error.context["line"] == "\(line)" && error.message.contains(fragment) && error.message.contains("line \(line)")
        }
    }

    @Test func anEmptyFileIsRefused() {
        #expect(throws: AccessError.self) { try APITokens.parse("# nothing\n\n") }
    }
}
