import Crypto
import Erasures

/// How erasure requests are handled: their default term, how far lineage is followed to their copies, the key their
/// receipts are signed with, and the worker's pace.
public struct ErasureSettings: Sendable {
    /// `ERASURE_DUE_DAYS`: a request's due date when it names none (GDPR Art. 12(3): one month).
    public var term: Duration = .seconds(30 * 86_400)
    /// `ERASURE_LINEAGE_DEPTH`: hops of DataHub lineage followed from each dataset that holds an identifier.
    public var lineageDepth = 3
    /// `ERASURE_SIGNING_KEY_FILE`: the Ed25519 key receipts are signed with; nil: requests complete without a receipt.
    public var signingKey: Curve25519.Signing.PrivateKey?
    /// `ERASURE_BACKUP_RETENTION_DAYS`: how long backups of the databases are kept, stated in every receipt; nil: unstated.
    public var backupRetentionDays: Int?
    public var worker = ErasureWorker.Settings()

    public init() {}

    static func load(_ env: Environment) throws(ConfigurationError) -> ErasureSettings {
        var settings = ErasureSettings()
        settings.term = .seconds(try env.integer("ERASURE_DUE_DAYS", default: 30, range: 1...366) * 86_400)
        settings.lineageDepth = try env.integer("ERASURE_LINEAGE_DEPTH", default: settings.lineageDepth, range: 0...10)
        settings.worker.batch = try env.integer("ERASURE_BATCH", default: settings.worker.batch, range: 1...10_000)
        let lease = Int(settings.worker.lease.components.seconds)
        settings.worker.lease = .seconds(try env.integer("ERASURE_LEASE_SECONDS", default: lease, range: 3...3_600))
        if env["ERASURE_BACKUP_RETENTION_DAYS"] != nil {
            settings.backupRetentionDays = try env.integer("ERASURE_BACKUP_RETENTION_DAYS", default: 0, range: 0...3_650)
        }
        if let path = env["ERASURE_SIGNING_KEY_FILE"] {
            do {
                settings.signingKey = try ReceiptSigningKey.load(path: path)
            } catch {
                throw ConfigurationError(.invalid, variable: "ERASURE_SIGNING_KEY_FILE", error.message)
            }
        }
        return settings
    }
}
