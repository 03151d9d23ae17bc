import Foundation
import Testing

@testable import Runs

/// `UTCTimestamp` writes and reads what Foundation's `ISO8601DateFormatter` (internet date-time with fractional
/// seconds, UTC) did before it, to the character and to the millisecond.
@Suite struct UTCTimestampTests {
    @Test func formatsKnownDates() {
        #expect(UTCTimestamp.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.string(Date(timeIntervalSince1970: 1_795_258_500.123)) == "2026-11-21T10:55:00.123Z")
        // Rounded to the nearest millisecond, into the next second, minute and day.
        #expect(UTCTimestamp.string(Date(timeIntervalSince1970: 86_399.9996)) == "1970-01-02T00:00:00.000Z")
        // A leap day, the day after it, and a date before 1970.
        #expect(UTCTimestamp.string(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(UTCTimestamp.string(Date(timeIntervalSince1970: 951_868_800)) == "2000-03-01T00:00:00.000Z")
        #expect(UTCTimestamp.string(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
    }

    @Test func parsesToTheMillisecond() {
        #expect(UTCTimestamp.date("2026-11-21T10:55:00.123Z") == Date(timeIntervalSince1970: 1_795_258_500.123))
        #expect(UTCTimestamp.date("2026-11-21T11:55:00.123+01:00") == Date(timeIntervalSince1970: 1_795_258_500.123))
        #expect(UTCTimestamp.date("2026-11-21T10:55:00Z") == Date(timeIntervalSince1970: 1_795_258_500))
        #expect(UTCTimestamp.date("2026-11-21 10:55:00.123Z") == nil)
        #expect(UTCTimestamp.date("yesterday") == nil)
    }

    /// Foundation's formatter as the oracle, over random instants from 1970 to 2099 (and whole milliseconds).
    @Test func agreesWithFoundationsFormatter() {
        let foundation = ISO8601DateFormatter()
        foundation.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        foundation.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        for index in 0..<20_000 {
            let seconds =
                index.isMultiple(of: 2)
                ? Double.random(in: 0...4.1e9, using: &generator) : Double(Int64.random(in: 0...4_100_000_000_000, using: &generator)) / 1000
            let date = Date(timeIntervalSince1970: seconds)
            let text = foundation.string(from: date)
            #expect(UTCTimestamp.string(date) == text, "\(seconds)")
            #expect(UTCTimestamp.date(text) == foundation.date(from: text), "\(text)")
        }
    }
}
