import Catalog
import Foundation
import Resilience

/// A parsed DataHub dataset URN: `urn:li:dataset:(urn:li:dataPlatform:PLATFORM,NAME,ENV)`.
///
/// Parsed at the door (Kafka, HTTP, command line) with GMS's own limits, so no value the ledger cannot hold gets
/// further: no leading or trailing whitespace, no control character (PostgreSQL text holds no NUL byte), no `␟`,
/// and at most 512 bytes once URL-encoded (`UrnValidationUtil.URN_NUM_BYTES_LIMIT`).
public struct DatasetURN: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// GMS refuses a URN longer than this many bytes when URL-encoded.
    public static let maximumEncodedBytes = 512
    public var platform: String
    public var name: String
    public var environment: String
    /// The URN as given.
    public var description: String

    /// Parses a dataset URN.
    /// - Throws: `DatasetURNError` with a message showing the expected shape.
    public init(_ urn: String) throws(DatasetURNError) {
        let quoted = urn.quotedForMessage()
        guard !urn.containsControlCharacter, !urn.contains("\u{241F}") else {
            throw DatasetURNError(.invalid, "\(quoted) is not a dataset URN: it holds a control character or ␟, which DataHub URNs never do")
        }
        guard urn.trimmingCharacters(in: .whitespacesAndNewlines) == urn else {
            throw DatasetURNError(.invalid, "\(quoted) is not a dataset URN: it starts or ends with whitespace")
        }
        let encoded = Self.urlEncodedLength(urn)
        guard encoded <= Self.maximumEncodedBytes else {
            throw DatasetURNError(
                .invalid, "\(quoted) is not a dataset URN: it is \(encoded) bytes URL-encoded, and DataHub takes at most \(Self.maximumEncodedBytes)")
        }
        let prefix = "urn:li:dataset:("
        guard urn.hasPrefix(prefix), urn.hasSuffix(")") else {
            throw DatasetURNError(
                .invalid, "\(quoted) is not a dataset URN; expected urn:li:dataset:(urn:li:dataPlatform:postgres,<db>.<schema>.<table>,PROD)")
        }
        let inner = urn.dropFirst(prefix.count).dropLast()
        // The platform URN has no commas; the environment is after the last comma; the name is between.
        guard let firstComma = inner.firstIndex(of: ","), let lastComma = inner.lastIndex(of: ","), firstComma < lastComma else {
            throw DatasetURNError(.invalid, "\(quoted) lacks the (platform,name,env) triple")
        }
        let platformURN = inner[..<firstComma]
        let platformPrefix = "urn:li:dataPlatform:"
        guard platformURN.hasPrefix(platformPrefix), platformURN.count > platformPrefix.count else {
            throw DatasetURNError(.invalid, "\(quoted) has platform \(String(platformURN).quotedForMessage()), expected urn:li:dataPlatform:<name>")
        }
        let name = inner[inner.index(after: firstComma)..<lastComma]
        let environment = inner[inner.index(after: lastComma)...]
        guard !name.isEmpty, !environment.isEmpty else {
            throw DatasetURNError(.invalid, "\(quoted) has an empty name or environment")
        }
        self.platform = String(platformURN.dropFirst(platformPrefix.count))
        self.name = String(name)
        self.environment = String(environment)
        self.description = urn
    }

    /// The length of `text` as Java's `URLEncoder` writes it (GMS measures URNs so): letters, digits and `.-*_` stay,
    /// a space becomes `+`, every other UTF-8 byte `%XX`.
    static func urlEncodedLength(_ text: String) -> Int {
        text.utf8.reduce(0) { total, byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: " "):
                total + 1
            default:
                total + 3
            }
        }
    }

    /// Encoded as the URN's text; decoded by parsing it again.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: DatasetURN, rhs: DatasetURN) -> Bool { lhs.description < rhs.description }
}

/// A text that is not a dataset URN GMS would accept.
public typealias DatasetURNError = ServiceError<DatasetURNErrorCode>

public enum DatasetURNErrorCode: String, ErrorCode {
    case invalid = "invalid_urn"
}
