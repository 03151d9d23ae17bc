import Foundation

/// The body of `POST /erasures` (and of a message on the erasure intake topic), as received: every field checked by
/// `validated`, which names the first wrong field and why.
public struct ErasureSubmission: Sendable, Decodable {
    public struct Identifier: Sendable, Decodable {
        public var kind: String?
        public var value: String?
    }

    public var identifiers: [Identifier]?
    public var reason: String?
    public var requester: String?
    public var source: String?
    public var sourceID: String?
    /// RFC 3339 (`2027-01-06T00:00:00Z`); absent: received + the default term.
    public var dueAt: String?

    enum CodingKeys: String, CodingKey {
        case identifiers, reason, requester, source
        case sourceID = "source_id"
        case dueAt = "due_at"
    }

    public init(identifiers: [(String, String)], reason: String?, requester: String?, source: String?, sourceID: String?, dueAt: String? = nil) {
        self.identifiers = identifiers.map { Identifier(kind: $0.0, value: $0.1) }
        self.reason = reason
        self.requester = requester
        self.source = source
        self.sourceID = sourceID
        self.dueAt = dueAt
    }

    /// The most identifiers one request may carry.
    public static let maximumIdentifiers = 20
    /// The longest identifier value, in UTF-8 bytes.
    public static let maximumValueBytes = 1_024

    /// The request, checked. `now` is when it was received; `term` the default time to its due date; a due date
    /// may be at most `maximumTerm` after receipt (a typo of a year should not park a request).
    public func validated(now: Date, term: Duration, maximumTerm: Duration = .seconds(366 * 86_400)) throws(ErasureError) -> ValidErasure {
        guard let identifiers, !identifiers.isEmpty else {
            throw .field("identifiers", "at least one identifier is needed, like [{\"kind\": \"email\", \"value\": \"…\"}]")
        }
        guard identifiers.count <= Self.maximumIdentifiers else {
            throw .field("identifiers", "at most \(Self.maximumIdentifiers) identifiers per request; file one request per person")
        }
        var checked: [SubjectIdentifier] = []
        for (index, identifier) in identifiers.enumerated() {
            let name = "identifiers[\(index)]"
            guard let kindText = identifier.kind else { throw .field("\(name).kind", "missing") }
            guard let kind = IdentifierKind(rawValue: kindText) else {
                throw .field("\(name).kind", "must be a lowercase word of letters, digits and _ (email, phone, customer_id, …)")
            }
            guard let value = identifier.value, !value.isEmpty else { throw .field("\(name).value", "missing or empty") }
            guard value.utf8.count <= Self.maximumValueBytes else { throw .field("\(name).value", "longer than \(Self.maximumValueBytes) bytes") }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw .field("\(name).value", "holds a control character (NUL, tab, line break, …)")
            }
            guard value.trimmingCharacters(in: .whitespaces) == value else {
                throw .field("\(name).value", "starts or ends with a space; send the identifier exactly as systems store it")
            }
            let identifier = SubjectIdentifier(kind: kind, value: value)
            if !checked.contains(identifier) { checked.append(identifier) }
        }
        let reason = try Self.text(reason, "reason", maximum: 500)
        let requester = try Self.text(requester, "requester", maximum: 200)
        let source = try Self.text(source, "source", maximum: 100)
        let sourceID = try Self.text(sourceID, "source_id", maximum: 200)
        var due = now.addingTimeInterval(TimeInterval(term.components.seconds))
        if let dueAt {
            guard let parsed = Self.date(dueAt) else { throw .field("due_at", "must be an RFC 3339 time like 2027-01-06T00:00:00Z") }
            guard parsed > now else { throw .field("due_at", "is in the past") }
            guard parsed <= now.addingTimeInterval(TimeInterval(maximumTerm.components.seconds)) else {
                throw .field("due_at", "is more than a year away")
            }
            due = parsed
        }
        return ValidErasure(identifiers: checked, reason: reason, requester: requester, source: source, sourceID: sourceID, dueAt: due)
    }

    private static func text(_ value: String?, _ name: String, maximum: Int) throws(ErasureError) -> String {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw .field(name, "missing or empty") }
        guard value.count <= maximum else { throw .field(name, "longer than \(maximum) characters") }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else { throw .field(name, "holds a control character") }
        return value
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// An erasure request that passed every check, ready for the ledger.
public struct ValidErasure: Sendable, Equatable {
    public var identifiers: [SubjectIdentifier]
    public var reason: String
    public var requester: String
    public var source: String
    public var sourceID: String
    public var dueAt: Date

    public init(identifiers: [SubjectIdentifier], reason: String, requester: String, source: String, sourceID: String, dueAt: Date) {
        self.identifiers = identifiers
        self.reason = reason
        self.requester = requester
        self.source = source
        self.sourceID = sourceID
        self.dueAt = dueAt
    }

    public var kinds: [IdentifierKind] { Array(Set(identifiers.map(\.kind))).sorted() }
}
