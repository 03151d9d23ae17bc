import Logging
import NIOCore
import PostgresNIO
import PostgresSupport
import PostgresWarehouse
import TestSupport
import Testing

/// The COPY text rows the service-side batches send: the escapes by hand, and a round trip through real PostgreSQL.
@Suite struct CopyTextTests {
    static let awkward: [String?] = [
        "plain", nil, "", "back\\slash", "tab\there", "new\nline", "carriage\rreturn", "\\N", "Zoë 😀 Łódź", "\\\t\n\r",
    ]

    @Test func specialBytesAreEscapedAndNullIsBackslashN() {
        var bytes = ByteBuffer()
        ServiceSideSQL.appendCopyTextRow(["1", nil, "a\\b\tc\nd\re", "é"], to: &bytes)
        ServiceSideSQL.appendCopyTextRow(["2", ""], to: &bytes)
        #expect(String(buffer: bytes) == "1\t\\N\ta\\\\b\\tc\\nd\\re\té\n2\t\n")
    }

    @Test(.enabled(if: TestEnvironment.postgresTestsEnabled)) func everyValueSurvivesACopyRoundTrip() async throws {
        try await withWarehouse { _, client, _ in
            var bytes = ByteBuffer()
            for (index, value) in Self.awkward.enumerated() { ServiceSideSQL.appendCopyTextRow([String(index), value], to: &bytes) }
            let read = try await client.withConnection { connection in
                try await connection.guardedTransaction(logger: Logger(label: "test")) { connection in
                    try await connection.guardedQuery("CREATE TEMP TABLE copy_round_trip (k text, v text) ON COMMIT DROP", logger: Logger(label: "test"))
                    try await connection.guardedCopy(table: "copy_round_trip", data: bytes, logger: Logger(label: "test"))
                    var read: [String: String?] = [:]
                    let rows = try await connection.guardedQuery("SELECT k, v FROM copy_round_trip", logger: Logger(label: "test"))
                    for try await (key, value) in rows.decode((String, String?).self) { read[key] = value }
                    return read
                }
            }
            #expect(read.count == Self.awkward.count)
            for (index, value) in Self.awkward.enumerated() { #expect(read[String(index)] == .some(value), "value \(index)") }
        }
    }
}
