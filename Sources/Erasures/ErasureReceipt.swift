import Crypto
import Foundation

/// What an auditor receives for a completed erasure request: per destination what was done, the rows affected, the
/// verification, the clean-up and what may still hold the old values, tied to the request's audit trail by its last
/// hash, and signed (Ed25519). It names no person: only the keyed digests of their identifiers.
public struct ErasureReceipt: Sendable, Equatable, Codable {
    public struct Destination: Sendable, Equatable, Codable {
        public var dataset: String
        public var via: String
        public var columns: [String]
        public var holds: String
        public var action: String
        public var rowsAffected: Int
        /// Rows matching the person after the erasure: 0.
        public var remainingAfterVerification: Int
        public var cleanUpAndResidue: String
        public var doneAt: String

        enum CodingKeys: String, CodingKey {
            case dataset, via, columns, holds, action
            case rowsAffected = "rows_affected"
            case remainingAfterVerification = "remaining_after_verification"
            case cleanUpAndResidue = "clean_up_and_residue"
            case doneAt = "done_at"
        }
    }

    public var version = 1
    public var requestID: String
    public var subjectDigests: [String]
    public var identifierKinds: [String]
    public var reason: String
    public var source: String
    public var sourceID: String
    public var receivedAt: String
    public var dueAt: String
    public var completedAt: String
    public var approvedBy: String?
    public var destinations: [Destination]
    /// The hash of the last event of the request's audit trail when the receipt was made, and how many events it held.
    public var auditChainHead: String
    public var auditEvents: Int
    /// Copies outside the destinations that still hold the erased values, and until when (backups).
    public var copiesOutside: String

    enum CodingKeys: String, CodingKey {
        case version, reason, source, destinations
        case requestID = "request_id"
        case subjectDigests = "subject_digests"
        case identifierKinds = "identifier_kinds"
        case sourceID = "source_id"
        case receivedAt = "received_at"
        case dueAt = "due_at"
        case completedAt = "completed_at"
        case approvedBy = "approved_by"
        case auditChainHead = "audit_chain_head"
        case auditEvents = "audit_events"
        case copiesOutside = "copies_outside"
    }

    /// The bytes the signature covers: the receipt as JSON with sorted keys, no spaces.
    public func canonicalBytes() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The receipt built from a completed request and the tail of its audit trail.
    /// `backupRetentionDays`: how long the deployment keeps backups (`ERASURE_BACKUP_RETENTION_DAYS`), when it says.
    public init(_ record: ErasureRecord, chainHead: String, events: Int, backupRetentionDays: Int? = nil) {
        requestID = record.id
        subjectDigests = record.subjectDigests
        identifierKinds = record.kinds.map(\.rawValue)
        reason = record.reason
        source = record.source
        sourceID = record.sourceID
        receivedAt = Self.time(record.receivedAt)
        dueAt = Self.time(record.dueAt)
        completedAt = Self.time(record.completedAt ?? Date())
        approvedBy = record.approvedBy
        destinations = record.destinations.map { destination in
            Destination(
                dataset: destination.dataset.description, via: destination.via, columns: destination.match, holds: destination.holds,
                action: destination.effect.rawValue, rowsAffected: destination.rowsAffected ?? 0,
                remainingAfterVerification: destination.remaining ?? 0, cleanUpAndResidue: destination.residue ?? "",
                doneAt: destination.doneAt.map(Self.time) ?? "")
        }
        auditChainHead = chainHead
        auditEvents = events
        let completed = record.completedAt ?? Date()
        if let days = backupRetentionDays {
            let until = completed.addingTimeInterval(TimeInterval(days * 86_400))
            copiesOutside =
                "Backups taken before \(Self.time(completed)) hold the erased values until they expire: \(days) days after they were taken, "
                + "so at the latest \(Self.time(until)) (ERASURE_BACKUP_RETENTION_DAYS). Restoring one must replay this erasure."
        } else {
            copiesOutside =
                "Backups taken before \(Self.time(completed)) hold the erased values for as long as they are kept; the deployment does not "
                + "state their retention (ERASURE_BACKUP_RETENTION_DAYS). Restoring one must replay this erasure."
        }
    }

    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// A receipt with its signature: the document `GET /erasures/{id}/receipt` serves and `receipt verify` checks.
public struct SignedErasureReceipt: Sendable, Equatable, Codable {
    public struct Signature: Sendable, Equatable, Codable {
        public var algorithm = "Ed25519"
        /// The signer's public key, base64 (32 bytes).
        public var publicKey: String
        /// The signature of `ErasureReceipt.canonicalBytes()`, base64 (64 bytes).
        public var value: String

        enum CodingKeys: String, CodingKey {
            case algorithm, value
            case publicKey = "public_key"
        }
    }

    public var receipt: ErasureReceipt
    public var signature: Signature

    /// Signs `receipt` with `key`.
    public init(_ receipt: ErasureReceipt, key: Curve25519.Signing.PrivateKey) throws {
        self.receipt = receipt
        let signature = try key.signature(for: receipt.canonicalBytes())
        self.signature = Signature(publicKey: key.publicKey.rawRepresentation.base64EncodedString(), value: Data(signature).base64EncodedString())
    }

    /// Whether the signature holds over the receipt as it reads now, and by whom. A receipt signed by any other key
    /// than the deployment's is worthless: compare `publicKey` with the one the service publishes.
    public func verify(expecting publicKey: String? = nil) -> ReceiptVerdict {
        guard signature.algorithm == "Ed25519" else { return .invalid("the signature's algorithm is \(signature.algorithm), not Ed25519") }
        guard let keyBytes = Data(base64Encoded: signature.publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else {
            return .invalid("the public key is not a base64 Ed25519 key")
        }
        if let publicKey, publicKey != signature.publicKey {
            return .invalid("signed by key \(signature.publicKey), not by the expected key \(publicKey)")
        }
        guard let value = Data(base64Encoded: signature.value), let bytes = try? receipt.canonicalBytes(),
            key.isValidSignature(value, for: bytes)
        else { return .invalid("the signature does not match the receipt: it was changed after signing, or signed by another key") }
        return .valid(publicKey: signature.publicKey)
    }
}

/// The outcome of checking a receipt.
public enum ReceiptVerdict: Sendable, Equatable {
    case valid(publicKey: String)
    case invalid(String)
}

/// The Ed25519 key receipts are signed with (`ERASURE_SIGNING_KEY_FILE`: 32 random bytes, base64, one line).
public enum ReceiptSigningKey {
    public static func load(path: String) throws(ErasureError) -> Curve25519.Signing.PrivateKey {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ErasureError(.keys, "ERASURE_SIGNING_KEY_FILE \(path) cannot be read")
        }
        guard let seed = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), seed.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw ErasureError(
                .keys, "ERASURE_SIGNING_KEY_FILE \(path) must hold 32 random bytes in base64 on one line: head -c 32 /dev/urandom | base64")
        }
        return key
    }
}
