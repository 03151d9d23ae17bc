import AccessControl
import Crypto
import Foundation

/// One event of a run's audit trail: what happened, with counts, names and keys, never a value or key material.
public struct RunEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A request joined or started the run (source, requester, Kafka position, scope, how it was recorded).
        case requested
        /// An approval tag was added (approver, verdict).
        case approval
        /// What the policy said.
        case policy
        /// The columns chosen, their schemes, and why each was chosen.
        case resolved
        /// An attempt waits: something it needs is unavailable.
        case postponed
        /// What the catalog shows around the table (constraints, cascades, triggers, copies of the old values), what
        /// the run does about it, and the rehearsal's outcome.
        case inspected
        /// The attempt before this one ended with the process gone (`CrashGuard`): how many in a row, and what this
        /// attempt does about it (careful, alone; or the run is quarantined).
        case stopped
        /// The batches of an attempt: how many, rows changed, the last key reached.
        case batches
        /// The verification scan's counts.
        case verified
        /// What the clean-up did and what may still hold old values.
        case cleaned
        /// Downstream copies found in DataHub's lineage after a SUCCESS, and the triggers propagated to them.
        case downstream
        /// The run's status and details.
        case finished
        /// A DataHub write-back attempt and its outcome.
        case writeBack = "write_back"
    }

    public var runID: String
    public var kind: Kind
    /// Flat string fields, encoded with sorted keys (the form that is hashed).
    public var data: [String: String]

    public init(runID: String, kind: Kind, data: [String: String]) {
        self.runID = runID
        self.kind = kind
        self.data = data
    }

    /// The JSON text of `data` that is stored and hashed.
    public var dataJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(data), as: UTF8.self)) ?? "{}"
    }
}

/// An event as the trail stores it: numbered within its run, time-stamped, and chained by hash to the one before.
public struct StoredRunEvent: Sendable, Equatable, Codable {
    public var runID: String
    public var sequence: Int
    /// ISO 8601 UTC, exactly as hashed.
    public var at: String
    public var kind: String
    /// JSON text, exactly as hashed.
    public var data: String
    /// Hex SHA-256 of the previous event of the run (64 zeros for the first).
    public var previousHash: String
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case sequence = "seq"
        case at, kind, data
        case previousHash = "prev_hash"
        case hash
    }

    public init(runID: String, sequence: Int, at: String, kind: String, data: String, previousHash: String, hash: String) {
        self.runID = runID
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.data = data
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// The hash chain of a run's audit trail. Pure.
///
/// Each event's hash covers the previous event's hash, the run id, its sequence number, time, kind and data, so
/// an edited, removed, reordered or inserted event changes a hash the next event (or the check) does not match.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(previous: String, runID: String, sequence: Int, at: String, kind: String, data: String) -> String {
        let text = [previous, runID, String(sequence), at, kind, data].joined(separator: "\n")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The event that follows `previous` (nil: the run's first).
    public static func next(after previous: StoredRunEvent?, _ event: RunEvent, at date: Date) -> StoredRunEvent {
        let sequence = (previous?.sequence ?? 0) + 1
        let prior = previous?.hash ?? genesis
        let at = RunRecord.utcString(date)
        let data = event.dataJSON
        return StoredRunEvent(
            runID: event.runID, sequence: sequence, at: at, kind: event.kind.rawValue, data: data, previousHash: prior,
            hash: hash(previous: prior, runID: event.runID, sequence: sequence, at: at, kind: event.kind.rawValue, data: data))
    }

    /// What is wrong with a run's stored events (in sequence order); empty when the chain holds.
    public static func problems(_ events: [StoredRunEvent]) -> [String] {
        check(events, firstSequence: 1, previous: genesis)
    }

    /// `problems` for a trail that starts at `first` (an export window): `first` is trusted as the anchor.
    public static func problems(from first: StoredRunEvent, _ events: [StoredRunEvent]) -> [String] {
        check(events, firstSequence: first.sequence, previous: first.previousHash)
    }

    private static func check(_ events: [StoredRunEvent], firstSequence: Int, previous start: String) -> [String] {
        var problems: [String] = []
        var previous = start
        for (index, event) in events.enumerated() {
            let label = "run \(event.runID) event \(event.sequence)"
            if event.sequence != firstSequence + index {
                problems.append("\(label): expected sequence number \(firstSequence + index) (an event is missing or was inserted)")
            }
            if event.previousHash != previous { problems.append("\(label): does not follow the event before it") }
            let expected = hash(
                previous: event.previousHash, runID: event.runID, sequence: event.sequence, at: event.at, kind: event.kind, data: event.data)
            if event.hash != expected { problems.append("\(label) (\(event.kind)): its content does not match its hash (edited)") }
            previous = event.hash
        }
        return problems
    }
}

extension RunEvent {
    /// The `requested` event of a request, recorded on the run that does the work.
    public init(requestedBy request: RunRequest, outcome: EnqueueOutcome) {
        var data = [
            "source": request.source.rawValue, "requested_by": request.requestedBy ?? "unknown", "recorded_as": outcome.kind.rawValue,
            "request_id": outcome.request.runID, "scope": request.scope.summary,
        ]
        if let position = request.position { data["kafka"] = position.description }
        self.init(runID: outcome.run.runID, kind: .requested, data: data)
    }

    /// The `approval` event of an approval applied to a run.
    public init(approval: ApprovalRequest, verdict: ApprovalVerdict, runID: String) {
        var data = ["approver": approval.approver]
        switch verdict {
        case .approved: data["verdict"] = "approved"
        case .refused(let reason):
            data["verdict"] = "ignored"
            data["reason"] = reason
        }
        if let position = approval.position { data["kafka"] = position.description }
        self.init(runID: runID, kind: .approval, data: data)
    }
}

extension RunScope {
    /// For the audit trail: `dataset; fields email, phone; columns city; rekey; verify only`.
    public var summary: String {
        var parts: [String] = []
        if datasetLevel { parts.append("dataset") }
        if !triggerFields.isEmpty { parts.append("fields \(triggerFields.sorted().joined(separator: ", "))") }
        if !explicitColumns.isEmpty { parts.append("columns \(explicitColumns.sorted().joined(separator: ", "))") }
        if rekey { parts.append("rekey") }
        switch kind {
        case .tokenize: break
        case .verify: parts.append("verify only")
        case .plan: parts.append("plan only")
        }
        return parts.joined(separator: "; ")
    }
}
