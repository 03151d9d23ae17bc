import Catalog
import Foundation
import WarehouseKit

/// What names a person in an erasure request: `email`, `phone`, `customer_id`, … A lowercase word of letters, digits
/// and `_` (1–40), which DataHub's `pii:<kind>` tags use for the fields that hold it.
public struct IdentifierKind: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        let bytes = Array(rawValue.utf8)
        guard (1...40).contains(bytes.count), let first = bytes.first, (0x61...0x7A).contains(first),
            bytes.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The DataHub tag on the fields that hold this kind of identifier: `pii:<kind>`.
    public var tag: TagURN { TagURN("pii:\(rawValue)") }
    public var description: String { rawValue }
    public static func < (lhs: IdentifierKind, rhs: IdentifierKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One identifier of the person: its kind and value (PII: sealed in the ledger while the request is open).
public struct SubjectIdentifier: Sendable, Hashable, Codable {
    public var kind: IdentifierKind
    public var value: String

    public init(kind: IdentifierKind, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// Where an erasure request stands.
public enum ErasureStatus: String, Sendable, Codable, CaseIterable {
    /// The policy asks a second person to approve it (`POST /erasures/{id}/approve`).
    case awaitingApproval = "AWAITING_APPROVAL"
    /// Queued or in progress: its destinations are planned and worked through, by due date.
    case open = "OPEN"
    /// Every destination confirmed; the identifiers are gone from the ledger, their digests kept.
    case complete = "COMPLETE"
    /// Refused by a person, with a reason; nothing was erased.
    case rejected = "REJECTED"

    /// Whether the request still has work (or a decision) ahead of it.
    public var isOpen: Bool { self == .awaitingApproval || self == .open }
}

/// Where one destination of a request stands.
public enum DestinationState: String, Sendable, Codable, CaseIterable {
    /// Not erased yet (or erased and its verification not yet passed).
    case pending
    /// Erased, verified (nothing of the person left), cleaned up.
    case done
    /// The last attempt failed; the request retries it.
    case failed
    /// DataHub knows the dataset, the service cannot reach it (no connection for its platform, or no table with
    /// that name): listed, never skipped; the request stays open until it is reachable.
    case unreachable
}

/// A dataset holding one of the person's identifiers, and what the request does there.
public struct ErasureDestination: Sendable, Equatable, Codable {
    public var dataset: DatasetURN
    /// The columns that hold the identifiers, matched against their plaintext and every token of them.
    public var match: [String]
    /// The dataset's personal-data columns (a cell effect changes them).
    public var cells: [String]
    /// The identifier kinds matched here.
    public var kinds: [IdentifierKind]
    public var effect: ErasureEffect
    /// How DataHub says the person's data is there (`tag pii:email on email`, `lineage from <urn>`).
    public var via: String
    /// What the columns hold as the ledger knows it: `plaintext`, or the schemes of the last successful run.
    public var holds: String
    /// How the match is made: `index` or `scan`, known once the table was looked at.
    public var estimate: String?
    public var state: DestinationState
    public var attempts: Int
    public var rowsAffected: Int?
    /// Rows still matching after the erasure (the verification; 0 when it holds).
    public var remaining: Int?
    /// What the clean-up did and what may still hold the old values (WAL, backups, table history).
    public var residue: String?
    public var error: String?
    public var doneAt: Date?

    public init(
        dataset: DatasetURN, match: [String], cells: [String], kinds: [IdentifierKind], effect: ErasureEffect, via: String, holds: String,
        state: DestinationState = .pending
    ) {
        self.dataset = dataset
        self.match = match
        self.cells = cells
        self.kinds = kinds
        self.effect = effect
        self.via = via
        self.holds = holds
        self.state = state
        self.attempts = 0
    }

    enum CodingKeys: String, CodingKey {
        case dataset, match, cells, kinds, effect, via, holds, estimate, state, attempts, error
        case rowsAffected = "rows_affected"
        case remaining, residue
        case doneAt = "done_at"
    }
}

/// An erasure request as the ledger keeps it. The person's identifiers are not in it: only their kinds, and their
/// keyed digests (`Tokenizer.subjectDigest`); the ledger keeps them sealed apart while the request is open.
public struct ErasureRecord: Sendable, Equatable, Codable {
    public var id: String
    public var status: ErasureStatus
    public var kinds: [IdentifierKind]
    /// `<key id>:<hex>` per identifier: proves later that a given person's request was fulfilled.
    public var subjectDigests: [String]
    public var reason: String
    public var requester: String
    /// Who filed it through the API (the caller's name), or `kafka`.
    public var submittedBy: String
    public var source: String
    public var sourceID: String
    public var receivedAt: Date
    public var dueAt: Date
    public var approvedBy: String?
    public var rejection: String?
    /// When DataHub was last asked where the person's data is (nil: not planned yet).
    public var plannedAt: Date?
    public var destinations: [ErasureDestination]
    public var completedAt: Date?
    public var attempts: Int
    /// Why the last attempt could not plan or finish (DataHub down, say); it is retried.
    public var lastError: String?

    public init(
        id: String, status: ErasureStatus, kinds: [IdentifierKind], subjectDigests: [String], reason: String, requester: String,
        submittedBy: String, source: String, sourceID: String, receivedAt: Date, dueAt: Date
    ) {
        self.id = id
        self.status = status
        self.kinds = kinds
        self.subjectDigests = subjectDigests
        self.reason = reason
        self.requester = requester
        self.submittedBy = submittedBy
        self.source = source
        self.sourceID = sourceID
        self.receivedAt = receivedAt
        self.dueAt = dueAt
        self.destinations = []
        self.attempts = 0
    }

    enum CodingKeys: String, CodingKey {
        case id, status, kinds, reason, requester, source, destinations, attempts, rejection
        case subjectDigests = "subject_digests"
        case submittedBy = "submitted_by"
        case sourceID = "source_id"
        case receivedAt = "received_at"
        case dueAt = "due_at"
        case approvedBy = "approved_by"
        case plannedAt = "planned_at"
        case completedAt = "completed_at"
        case lastError = "last_error"
    }

    /// Whether every destination is done (and there was something to plan).
    public var allDone: Bool { plannedAt != nil && destinations.allSatisfy { $0.state == .done } }
}
