import Erasures
import Foundation
import Testing

/// `POST /erasures` bodies: the checks and the field each refusal names.
@Suite("Erasure intake: every field checked, the first wrong one named")
struct ErasureSubmissionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let term = Duration.seconds(30 * 86_400)

    func submission(_ identifiers: [(String, String)] = [("email", "alice@example.com")], due: String? = nil, sourceID: String? = "T-1")
        -> ErasureSubmission
    {
        ErasureSubmission(identifiers: identifiers, reason: "GDPR Art. 17", requester: "Alice", source: "crm", sourceID: sourceID, dueAt: due)
    }

    func field(_ body: ErasureSubmission) -> String? {
        do {
            _ = try body.validated(now: now, term: term)
            return nil
        } catch {
            return error.context["field"]
        }
    }

    @Test("A valid request: due after the default term, identifiers deduplicated, kinds sorted")
    func valid() throws {
        let valid = try submission([("phone", "+44 20 7946 0958"), ("email", "alice@example.com"), ("email", "alice@example.com")])
            .validated(now: now, term: term)
        #expect(valid.identifiers.count == 2)
        #expect(valid.kinds.map(\.rawValue) == ["email", "phone"])
        #expect(valid.dueAt == now.addingTimeInterval(30 * 86_400))
    }

    @Test("An explicit due date within a year is kept")
    func dueDate() throws {
        let valid = try submission(due: "2027-01-20T00:00:00Z").validated(now: now, term: term)
        #expect(ISO8601DateFormatter().string(from: valid.dueAt) == "2027-01-20T00:00:00Z")
    }

    @Test(
        "Malformed bodies name their field",
        arguments: [
            ([], nil, "T-1", "identifiers"),
            ([("E-mail", "x")], nil, "T-1", "identifiers[0].kind"),
            ([("email", "")], nil, "T-1", "identifiers[0].value"),
            ([("email", "a\u{0}b")], nil, "T-1", "identifiers[0].value"),
            ([("email", " padded@example.com")], nil, "T-1", "identifiers[0].value"),
            ([("email", String(repeating: "a", count: 1_025))], nil, "T-1", "identifiers[0].value"),
            ([("email", "a@b.c")], "tomorrow", "T-1", "due_at"),
            ([("email", "a@b.c")], "2020-01-01T00:00:00Z", "T-1", "due_at"),
            ([("email", "a@b.c")], "2031-01-01T00:00:00Z", "T-1", "due_at"),
            ([("email", "a@b.c")], nil, "", "source_id"),
            ([("email", "a@b.c")], nil, nil, "source_id"),
        ] as [([(String, String)], String?, String?, String)])
    func malformed(identifiers: [(String, String)], due: String?, sourceID: String?, expected: String) {
        #expect(field(submission(identifiers, due: due, sourceID: sourceID)) == expected)
    }

    @Test("More identifiers than one person has are refused")
    func tooMany() {
        let many = (0..<21).map { ("email", "p\($0)@example.com") }
        #expect(field(submission(many)) == "identifiers")
    }

    @Test("Identifier kinds: lowercase words")
    func kinds() {
        #expect(IdentifierKind(rawValue: "customer_id") != nil)
        #expect(IdentifierKind(rawValue: "email")?.tag.name == "pii:email")
        for bad in ["", "Email", "1abc", "e-mail", "pii:email", String(repeating: "a", count: 41)] { #expect(IdentifierKind(rawValue: bad) == nil) }
    }
}
