import Testing

@testable import Catalog

/// What a dataset URN must be to enter the service: DataHub's shape, what GMS and PostgreSQL can hold.
@Suite struct DatasetURNTests {
    @Test func parsesPostgresURN() throws {
        let urn = try DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")
        #expect(urn.platform == "postgres")
        #expect(urn.environment == "PROD")
        #expect(urn.name == "shop.public.customers")
    }

    @Test(arguments: [
        "", "urn:li:dataset:", "urn:li:chart:(a,b)", "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers)",
        "urn:li:dataset:(postgres,shop.public.customers,PROD)", "urn:li:dataset:(urn:li:dataPlatform:postgres,,PROD)",
    ])
    func rejectsMalformedURNs(text: String) {
        #expect(throws: DatasetURNError.self) { try DatasetURN(text) }
    }

    /// What GMS refuses (and what PostgreSQL cannot store) is refused at the door, and the message quotes the URN
    /// with its control characters escaped and its length cut.
    @Test(arguments: [
        ("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.cu\u{0}stomers,PROD)", "\\u{0}"),
        ("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.a\nb,PROD)", "\\u{A}"),
        (" urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)", "whitespace"),
        ("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.a\u{241F}b,PROD)", "␟"),
        ("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.\(String(repeating: "x", count: 460)),PROD)", "at most 512"),
        ("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.\(String(repeating: "é", count: 100)),PROD)", "at most 512"),
    ])
    func refusesWhatDataHubAndPostgreSQLCannotHold(text: String, says: String) {
        #expect {
            try DatasetURN(text)
        } throws: { error in
            let message = "\(error)"
            return message.contains(says) && !message.contains("\u{0}") && !message.contains("\n") && message.count < 400
        }
    }

    @Test func aURNAtTheLimitIsAccepted() throws {
        let prefix = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public."
        let fixed = DatasetURN.urlEncodedLength(prefix) + DatasetURN.urlEncodedLength(",PROD)")
        #expect(fixed == 73 + 10)  // ':' '(' ',' ')' are %XX
        let urn = prefix + String(repeating: "x", count: DatasetURN.maximumEncodedBytes - fixed) + ",PROD)"
        #expect(DatasetURN.urlEncodedLength(urn) == DatasetURN.maximumEncodedBytes)
        _ = try DatasetURN(urn)
        #expect(throws: DatasetURNError.self) {
            try DatasetURN(prefix + String(repeating: "x", count: DatasetURN.maximumEncodedBytes - fixed + 1) + ",PROD)")
        }
    }
}
