import JSON
import Testing

/// Aspect JSON is read as DataHub (Jackson) reads it.
@Suite struct JSONParserTests {
    @Test func parsesValues() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null, "x\u00e9\n\ud83d\ude00"], "b": {}} "#)
        #expect(value["a"]?.array?.count == 6)
        #expect(value["a"]?.array?[1] == .number(-2500))
        #expect(value["a"]?.array?[5] == .string("xé\n😀"))
        #expect(value["b"] == .object([:]))
    }

    @Test func aDuplicatedKeyKeepsItsLastValue() throws {
        #expect(try JSONParser.parse(#"{"tag": "first", "tag": "last"}"#)["tag"] == .string("last"))
    }

    static let malformed: [[UInt8]] = {
        var cases: [[UInt8]] = []
        cases.append([0xEF, 0xBB, 0xBF] + Array("{}".utf8))  // byte-order mark
        cases.append(Array(#"{"a": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))  // invalid UTF-8
        cases.append(Array(#"{"a": "\ud800"}"#.utf8))  // lone surrogate
        cases.append(Array("{\"a\": \"tab\there\"}".utf8))  // unescaped control character
        cases.append(Array(#"{"a": 1} x"#.utf8))  // trailing content
        cases.append(Array(#"{"a": 01}"#.utf8))  // leading zero
        cases.append(Array(#"[1, 2,]"#.utf8))  // trailing comma
        cases.append(Array(String(repeating: "[", count: 600).utf8))  // nesting beyond the bound
        return cases
    }()

    @Test(arguments: malformed)
    func rejects(bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }
}
