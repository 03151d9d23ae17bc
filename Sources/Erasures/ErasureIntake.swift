import AccessControl
import Crypto
import Foundation
import Logging
import Tokenization

/// Files, lists and decides erasure requests: a request is in the ledger before the caller hears of it, its
/// identifiers sealed (`Tokenizer.sealSubject`) with a secret of its own for scrambled cells, never in clear.
public struct ErasureIntake: Sendable {
    let store: any ErasureStore
    let tokenizer: Tokenizer
    let policy: ErasurePolicy
    /// The default time from receipt to the due date (`ERASURE_DUE_DAYS`).
    let term: Duration
    let nudge: @Sendable () -> Void
    let logger: Logger

    public init(
        store: any ErasureStore, tokenizer: Tokenizer, policy: ErasurePolicy, term: Duration, logger: Logger, nudge: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.tokenizer = tokenizer
        self.policy = policy
        self.term = term
        self.logger = logger
        self.nudge = nudge
    }

    /// Checks, seals and records `submission` from `caller`; an identical request (same source and source id) comes
    /// back as it was recorded the first time.
    public func submit(_ submission: ErasureSubmission, caller: Principal, groups: Set<String> = []) async throws -> (
        record: ErasureRecord, duplicate: Bool
    ) {
        guard policy.mayRequest(caller, memberOf: groups) else {
            throw ErasureError(.forbidden, "\(caller) may not file erasure requests (policy erasure.requesters)")
        }
        let now = Date()
        let valid = try submission.validated(now: now, term: term)
        let sealed: String
        let digests: [String]
        do {
            sealed = try tokenizer.sealSubject(try SealedSubject(identifiers: valid.identifiers).encoded())
            digests = try valid.identifiers.map { identifier throws(TokenizationError) in
                try tokenizer.subjectDigest("\(identifier.kind.rawValue):\(identifier.value)")
            }
        } catch {
            throw ErasureError(.keys, "erasure requests need the key ring (TOKEN_KEYS_FILE) to seal their identifiers: \(error)")
        }
        var record = ErasureRecord(
            id: UUID().uuidString.lowercased(), status: policy.approvers == nil ? .open : .awaitingApproval, kinds: valid.kinds,
            subjectDigests: digests, reason: valid.reason, requester: valid.requester, submittedBy: caller.description, source: valid.source,
            sourceID: valid.sourceID, receivedAt: now, dueAt: valid.dueAt)
        let inserted = try await store.insert(record, sealed: sealed)
        record = inserted.record
        if !inserted.duplicate {
            try await store.appendEvent(
                record.id, kind: "received",
                data: [
                    "submitted_by": record.submittedBy, "source": record.source, "source_id": record.sourceID,
                    "kinds": record.kinds.map(\.rawValue).joined(separator: ","), "due_at": ErasureReceipt.time(record.dueAt),
                    "status": record.status.rawValue,
                ])
            logger.info(
                "erasure request recorded",
                metadata: ["erasure_id": "\(record.id)", "status": "\(record.status.rawValue)", "due_at": "\(ErasureReceipt.time(record.dueAt))"])
            if record.status == .open { nudge() }
        }
        return (record, inserted.duplicate)
    }

    /// Approves (`approve`) or rejects a request awaiting a decision (a rejection needs a reason; an open request may
    /// be rejected too, before it completes). The submitter never decides their own request.
    public func decide(_ id: String, approve: Bool, reason: String?, caller: Principal, groups: Set<String> = []) async throws -> ErasureRecord {
        guard var record = try await store.record(id) else { throw ErasureError(.notFound, "no erasure request with id '\(id)'") }
        guard policy.mayDecide(caller, memberOf: groups, submittedBy: record.submittedBy) else {
            throw ErasureError(
                .forbidden,
                caller.description == record.submittedBy
                    ? "the submitter of a request may not decide it (four eyes)"
                    : "\(caller) may not decide erasure requests (policy erasure.approvers)")
        }
        if approve {
            guard record.status == .awaitingApproval else {
                throw ErasureError(.conflict, "request \(id) is \(record.status.rawValue), not awaiting approval")
            }
            record.status = .open
            record.approvedBy = caller.description
            try await store.save(record, retryIn: .zero)
            try await store.appendEvent(id, kind: "approved", data: ["by": caller.description])
            nudge()
            return record
        }
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty, reason.count <= 500 else {
            throw ErasureError.field("reason", "a rejection needs a reason (at most 500 characters)")
        }
        guard record.status.isOpen else { throw ErasureError(.conflict, "request \(id) is \(record.status.rawValue); it can no longer be rejected") }
        guard !record.destinations.contains(where: { $0.state == .done }) else {
            throw ErasureError(.conflict, "request \(id) already erased data in some destinations; it can no longer be rejected")
        }
        record.status = .rejected
        record.rejection = "\(caller.description): \(reason)"
        record.completedAt = Date()
        try await store.appendEvent(id, kind: "rejected", data: ["by": caller.description, "reason": reason])
        try await store.close(record, receipt: nil)
        return record
    }
}

/// What the ledger seals for an open request: its identifiers and the secret its scrambled cells are derived from.
struct SealedSubject: Codable {
    var identifiers: [SubjectIdentifier]
    /// 32 random bytes, base64: the key of the HMAC that turns an identifier into its replacement (`scramble-cells`),
    /// the same in every destination so joins survive; deleted with the identifiers, so nobody can recompute it.
    var secret: String

    init(identifiers: [SubjectIdentifier]) {
        self.identifiers = identifiers
        self.secret = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    func encoded() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

    static func decode(_ text: String) throws -> SealedSubject { try JSONDecoder().decode(SealedSubject.self, from: Data(text.utf8)) }

    /// What an identifier's cells become under `scramble-cells`: `erased_` and 24 hex digits of its keyed hash.
    func replacement(for identifier: SubjectIdentifier) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(identifier.kind.rawValue):\(identifier.value)".utf8), using: SymmetricKey(data: Data(base64Encoded: secret) ?? Data()))
        return "erased_" + Hex.encode(Array(mac)).prefix(24)
    }
}

extension ErasureIntake {
    /// Whether `caller` may list and read requests: whoever may file them, or decide them.
    public func mayRead(_ caller: Principal, groups: Set<String> = []) -> Bool {
        policy.mayRequest(caller, memberOf: groups) || (policy.approvers?.contains(caller, memberOf: groups) ?? false)
    }
}
