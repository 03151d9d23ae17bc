import Testing

@testable import MCL

/// The byte search behind the trigger scan finds exactly what a naive search finds.
@Suite struct BytePatternTests {
    private func naive(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// The anchored search agrees with a naive one everywhere: at the start, the end, overlapping near-misses,
    /// short patterns (no 8-byte prefix), and random haystacks over a tiny alphabet (many partial matches).
    @Test func findsExactlyWhatANaiveSearchFinds() {
        var generator = SystemRandomNumberGenerator()
        let patterns: [[UInt8]] = [
            Array("urn:li:tag:tokenize/run".utf8), Array("zz".utf8), Array("a".utf8), Array("abzab".utf8),
            Array("tokenize/".utf8),
        ]
        for pattern in patterns {
            let matcher = BytePattern(pattern)
            for _ in 0..<400 {
                let length = Int.random(in: 0...64, using: &generator)
                var haystack = (0..<length).map { _ in Array("abz:/".utf8).randomElement(using: &generator)! }
                if Bool.random(using: &generator), length >= pattern.count {
                    let at = Int.random(in: 0...(length - pattern.count), using: &generator)
                    haystack.replaceSubrange(at..<(at + pattern.count), with: pattern)
                }
                let found = haystack.withUnsafeBytes { matcher.occurs(in: $0) }
                #expect(
                    found == naive(haystack, pattern), "\(String(decoding: pattern, as: UTF8.self)) in \(String(decoding: haystack, as: UTF8.self))")
            }
        }
    }

    @Test func edgesOfTheHaystack() {
        let matcher = BytePattern(Array("urn:li:tag:tokenize/run".utf8))
        for text in ["urn:li:tag:tokenize/run", "{\"tag\":\"urn:li:tag:tokenize/run", "urn:li:tag:tokenize/run\"}"] {
            #expect(Array(text.utf8).withUnsafeBytes { matcher.occurs(in: $0) }, "\(text)")
        }
        for text in ["", "urn:li:tag:tokenize/ru", "rn:li:tag:tokenize/run", "urn:li:tag:tokenize/rum urn:li:tag:tokenizE/run"] {
            #expect(!Array(text.utf8).withUnsafeBytes { matcher.occurs(in: $0) }, "\(text)")
        }
        #expect(BytePattern(Array("urn:li:tag:tokenize/run".utf8)).anchor == 17)  // the `z`
    }
}
