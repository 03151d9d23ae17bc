import Foundation
import Logging
import Synchronization
import Testing

@testable import App

/// `LOG_FORMAT=json`: one object per line with the metadata as fields.
@Suite struct JSONLogHandlerTests {
    @Test func oneObjectPerLineWithMetadataAsFields() throws {
        let lines = Mutex<[Data]>([])
        var logger = Logger(label: "tokenize-action") { label in
            JSONLogHandler(label: label, level: .info) { data in lines.withLock { $0.append(data) } }
        }
        logger[metadataKey: "run_id"] = "r-1"
        logger.info("run finished", metadata: ["dataset": "urn:li:dataset:(x)", "rows_updated": "3"])
        logger.debug("not at this level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.last == 0x0A && line.filter { $0 == 0x0A }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: String])
        #expect(object["message"] == "run finished" && object["level"] == "info" && object["logger"] == "tokenize-action")
        #expect(object["run_id"] == "r-1" && object["dataset"] == "urn:li:dataset:(x)" && object["rows_updated"] == "3")
        #expect(object["ts"]?.hasSuffix("Z") == true)
    }
}
