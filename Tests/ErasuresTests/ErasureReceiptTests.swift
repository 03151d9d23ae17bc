import Catalog
import Crypto
import Erasures
import Foundation
import Testing
import WarehouseKit

/// Receipts: Ed25519 signatures over the canonical JSON, checked offline; tampering and foreign keys refused.
@Suite("Erasure receipts: signed, verified offline, any change detected")
struct ErasureReceiptTests {
    func record() -> ErasureRecord {
        var record = ErasureRecord(
            id: "5fe36577-a40f-48cc-bee2-816aa1266717", status: .complete, kinds: [IdentifierKind(rawValue: "email")!],
            subjectDigests: ["k1:00ff"], reason: "GDPR Art. 17", requester: "Alice", submittedBy: "api:ops", source: "crm", sourceID: "T-1",
            receivedAt: Date(timeIntervalSince1970: 1_800_000_000), dueAt: Date(timeIntervalSince1970: 1_802_592_000))
        var destination = ErasureDestination(
            dataset: try! DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"), match: ["email"],
            cells: ["email"], kinds: record.kinds, effect: .deleteRows, via: "tag pii:email on email", holds: "plaintext")
        destination.state = .done
        destination.rowsAffected = 2
        destination.remaining = 0
        destination.residue = "VACUUM (ANALYZE) removed the dead row versions."
        record.destinations = [destination]
        record.completedAt = Date(timeIntervalSince1970: 1_800_000_100)
        return record
    }

    @Test("A signed receipt verifies, with and without the expected key")
    func verifies() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signed = try SignedErasureReceipt(ErasureReceipt(record(), chainHead: String(repeating: "a", count: 64), events: 4), key: key)
        let publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        #expect(signed.verify() == .valid(publicKey: publicKey))
        #expect(signed.verify(expecting: publicKey) == .valid(publicKey: publicKey))
        // Through JSON, as a file: still valid.
        let decoded = try JSONDecoder().decode(SignedErasureReceipt.self, from: JSONEncoder().encode(signed))
        #expect(decoded.verify(expecting: publicKey) == .valid(publicKey: publicKey))
    }

    @Test("A changed field, another key, or a replaced public key fails")
    func tampered() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signed = try SignedErasureReceipt(ErasureReceipt(record(), chainHead: "h", events: 4), key: key)
        var changed = signed
        changed.receipt.destinations[0].rowsAffected = 3
        #expect(changed.verify() != .valid(publicKey: signed.signature.publicKey))
        var chain = signed
        chain.receipt.auditChainHead = "other"
        #expect(chain.verify() != .valid(publicKey: signed.signature.publicKey))
        let other = Curve25519.Signing.PrivateKey()
        let forged = try SignedErasureReceipt(changed.receipt, key: other)
        #expect(forged.verify(expecting: signed.signature.publicKey) != .valid(publicKey: forged.signature.publicKey))
        var swapped = signed
        swapped.signature.publicKey = other.publicKey.rawRepresentation.base64EncodedString()
        #expect(swapped.verify() != .valid(publicKey: swapped.signature.publicKey))
    }

    @Test("The receipt names no person: digests only")
    func namesNobody() throws {
        let json = String(decoding: try ErasureReceipt(record(), chainHead: "h", events: 1).canonicalBytes(), as: UTF8.self)
        #expect(json.contains("\"subject_digests\":[\"k1:00ff\"]"))
        #expect(!json.contains("alice@"))
    }

    @Test("The receipt says until when backups may hold the erased values, or that the retention is not stated")
    func backups() {
        let stated = ErasureReceipt(record(), chainHead: "h", events: 1, backupRetentionDays: 35)
        #expect(stated.copiesOutside.contains("35 days") && stated.copiesOutside.contains("at the latest 2027-"))
        let unstated = ErasureReceipt(record(), chainHead: "h", events: 1)
        #expect(unstated.copiesOutside.contains("does not state their retention"))
    }

    @Test("The signing key file: 32 bytes of base64, else one line saying how to make one")
    func keyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("receipt-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 7, count: 32).base64EncodedString().write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: Never.self) { try ReceiptSigningKey.load(path: path) }
        try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ErasureError.self) { try ReceiptSigningKey.load(path: path) }
    }
}
