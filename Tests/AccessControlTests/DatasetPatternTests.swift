import Testing

@testable import AccessControl

/// Dataset patterns of the policy: `*` matches across repeats without runaway backtracking.
@Suite struct DatasetPatternTests {
    let customers = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "customers")

    @Test(arguments: [
        ("postgres", true), ("postgres/shop", true), ("postgres/shop/public/customers", true), ("*/*/*/cust*", true),
        ("postgres/sh?p/*/*ers", true), ("*", true), ("databricks", false), ("postgres/shop/public/customer", false),
        ("postgres/shop/private", false), ("postgres/*/*/c?stomers", true), ("postgres/*/*/*x*", false),
    ])
    func matching(pattern: String, matches: Bool) throws {
        let parsed = try #require(DatasetPattern(pattern))
        #expect(parsed.matches(customers) == matches)
    }

    @Test(arguments: ["", "a/b/c/d/e", "a//b", "a/ b", "/a"])
    func malformedPatternsAreRefused(text: String) {
        #expect(DatasetPattern(text) == nil)
    }

    @Test func starBacktracksAcrossRepeats() {
        #expect(DatasetPattern.glob(Array("*ab*ab")[...], Array("xxabyyabab")[...]))
        #expect(!DatasetPattern.glob(Array("*ab*ab")[...], Array("xxabyyaba")[...]))
        #expect(DatasetPattern.glob(Array("a*")[...], Array("a")[...]))
    }
}
