import Catalog
import Crypto
import Foundation
import Logging
import Metrics
import Runs
import Tokenization
import WarehouseKit

/// Works through a batch of due requests: plans each through DataHub once, then erases per destination, with every
/// request that shares a destination in one statement (`= ANY($1)`), verifies that nothing of the people is left,
/// cleans up, and closes each request whose destinations are all done, with a signed receipt.
public struct ErasureExecutor: Sendable {
    let store: any ErasureStore
    let resolver: DestinationResolver
    let warehouses: [String: any Warehouse]
    let tokenizer: Tokenizer
    let signingKey: Curve25519.Signing.PrivateKey?
    /// How long the deployment keeps backups, stated in every receipt (`ERASURE_BACKUP_RETENTION_DAYS`).
    let backupRetentionDays: Int?
    let logger: Logger

    public init(
        store: any ErasureStore, resolver: DestinationResolver, warehouses: [String: any Warehouse], tokenizer: Tokenizer,
        signingKey: Curve25519.Signing.PrivateKey?, backupRetentionDays: Int? = nil, logger: Logger
    ) {
        self.backupRetentionDays = backupRetentionDays
        self.store = store
        self.resolver = resolver
        self.warehouses = warehouses
        self.tokenizer = tokenizer
        self.signingKey = signingKey
        self.logger = logger
    }

    /// One pass over `claimed`; every request's state is saved at the end, whatever happened to the others.
    public func work(_ claimed: [(record: ErasureRecord, sealed: String?)]) async {
        var open: [(record: ErasureRecord, subject: SealedSubject)] = []
        // DataHub is asked once per pass for each set of identifier kinds: the requests of a pass mostly share theirs.
        var resolved: [[IdentifierKind]: [ErasureDestination]] = [:]
        var planned: [ErasureEvent] = []
        var unplanned: [(record: ErasureRecord, retryIn: Duration)] = []
        for (record, sealed) in claimed {
            var record = record
            record.attempts += 1
            do {
                guard let sealed else { throw ErasureError(.keys, "the request's identifiers are not in the ledger") }
                let subject = try SealedSubject.decode(try tokenizer.openSubject(sealed))
                // Planned once; asked again while a destination is unreachable (DataHub or a connection may have been fixed).
                if record.plannedAt == nil || record.destinations.contains(where: { $0.state == .unreachable }) {
                    let destinations: [ErasureDestination]
                    if let known = resolved[record.kinds] {
                        destinations = known
                    } else {
                        destinations = try await resolver.resolve(record.kinds)
                        resolved[record.kinds] = destinations
                    }
                    planned.append(record.plannedAt == nil ? plan(&record, destinations) : replan(&record, destinations))
                }
                open.append((record, subject))
            } catch {
                record.lastError = "\(error)"
                logger.warning("erasure request not planned; retrying", metadata: ["erasure_id": "\(record.id)", "error": "\(error)"])
                unplanned.append((record, Self.backoff(record.attempts)))
            }
        }
        await save(unplanned)
        do {
            try await store.appendEvents(planned)
        } catch {
            // Nothing is erased without its plan in the trail: the pass ends, the requests are taken again.
            logger.warning("erasure plans not recorded; retrying", metadata: ["error": "\(error)"])
            await save(open.map { ($0.record, Duration.seconds(30)) })
            return
        }
        var destinations = ErasureBatches(open.map(\.record))
        for group in destinations.groups {
            await erase(group, in: &destinations, subjects: Dictionary(uniqueKeysWithValues: open.map { ($0.record.id, $0.subject) }))
        }
        await settle(destinations.records)
    }

    /// The request planned: its destinations, and the event that records them.
    private func plan(_ record: inout ErasureRecord, _ destinations: [ErasureDestination]) -> ErasureEvent {
        record.destinations = destinations
        record.plannedAt = Date()
        return ErasureEvent(
            record.id, "planned",
            [
                "destinations": record.destinations.map { "\($0.dataset) [\($0.match.joined(separator: ","))] \($0.effect.rawValue)" }.joined(
                    separator: "; "),
                "unreachable": record.destinations.filter { $0.state == .unreachable }.map(\.dataset.description).joined(separator: "; "),
            ])
    }

    /// The request planned again: its done destinations kept, the others as DataHub names them now.
    private func replan(_ record: inout ErasureRecord, _ destinations: [ErasureDestination]) -> ErasureEvent {
        let change = record.replan(destinations)
        return ErasureEvent(
            record.id, "replanned", ["added": change.added.joined(separator: "; "), "dropped": change.dropped.joined(separator: "; ")])
    }

    /// One destination, for every request of the batch that has it.
    private func erase(_ group: ErasureBatches.Group, in batches: inout ErasureBatches, subjects: [String: SealedSubject]) async {
        let dataset = group.dataset
        guard let warehouse = warehouses[dataset.platform], let eraser = warehouse as? any SubjectEraser else {
            batches.update(group) { $0.unreachable("the service has no connection for platform \(dataset.platform) that can erase rows") }
            return
        }
        var values: [String] = []
        var replacements: [String] = []
        var owner: [String: String] = [:]  // form → request id
        for id in group.requestIDs {
            guard let subject = subjects[id] else { continue }
            for identifier in subject.identifiers where group.kinds.contains(identifier.kind) {
                let replacement = subject.replacement(for: identifier)
                for form in tokenizer.subjectForms(of: identifier.value) where owner[form] == nil {
                    owner[form] = id
                    values.append(form)
                    replacements.append(replacement)
                }
            }
        }
        do {
            let table = try await warehouse.describe(try dataset.tableReference())
            let request = SubjectErasureRequest(
                table: table, match: group.match, cells: group.cells, effect: group.effect, values: values, replacements: replacements)
            let outcome = try await eraser.erase(request)
            var rows: [String: Int] = [:]
            for (form, count) in outcome.rowsByValue { if let id = owner[form] { rows[id, default: 0] += count } }
            let cleaned = outcome.rowsAffected > 0 ? try await warehouse.cleanUp(table.table).sentence : "No row matched: nothing to clean up."
            let residue = [cleaned, outcome.statementTrace].compactMap { $0 }.joined(separator: " ")
            Counter(label: "tokenize_erasure_rows_total", dimensions: [("platform", dataset.platform), ("action", group.effect.rawValue)])
                .increment(by: outcome.rowsAffected)
            let events = group.requestIDs.map { id in
                ErasureEvent(
                    id, outcome.remaining == 0 ? "erased" : "erase_incomplete",
                    [
                        "dataset": dataset.description, "action": group.effect.rawValue, "rows_affected": "\(rows[id] ?? 0)",
                        "remaining": "\(outcome.remaining)", "match": outcome.indexed ? "index" : "scan",
                    ])
            }
            do {
                try await store.appendEvents(events)
            } catch {
                logger.warning("erasure events not recorded", metadata: ["dataset": "\(dataset)", "error": "\(error)"])
            }
            batches.update(group) { destination, id in
                destination.estimate = outcome.indexed ? "index" : "scan"
                if outcome.remaining > 0 {
                    destination.fail("\(outcome.remaining) row(s) still match after the erasure committed (written meanwhile?); retried")
                } else {
                    destination.done(rows: rows[id] ?? 0, residue: residue)
                }
            }
        } catch let error as WarehouseError {
            switch error.code {
            case .tableNotFound, .columnNotFound, .notConfigured:
                batches.update(group) { $0.unreachable(error.message) }
            default:
                batches.update(group) { $0.fail(error.message) }
            }
            logger.warning("erasure of a destination failed", metadata: ["dataset": "\(dataset)", "error": "\(error.message)"])
        } catch let error as RunError {
            batches.update(group) { $0.unreachable(error.message) }
        } catch {
            batches.update(group) { $0.fail("\(error)") }
        }
    }

    /// Saves the pass's requests: each closed with its receipt when every destination is done, else due again.
    private func settle(_ records: [ErasureRecord]) async {
        var pending: [(record: ErasureRecord, retryIn: Duration)] = []
        var complete: [ErasureRecord] = []
        for var record in records {
            if record.allDone {
                record.status = .complete
                record.completedAt = Date()
                record.lastError = nil
                complete.append(record)
            } else {
                let failing = record.destinations.contains { $0.state == .failed }
                record.lastError = record.destinations.compactMap(\.error).first
                pending.append((record, failing ? Self.backoff(record.attempts) : .seconds(3_600)))
            }
        }
        // Every destination's outcome is saved first: a request whose closing fails keeps its row counts for the receipt.
        await save(
            pending
                + complete.map { record in
                    var open = record
                    open.status = .open
                    open.completedAt = nil
                    return (open, Duration.seconds(30))
                })
        guard !complete.isEmpty else { return }
        do {
            let tails = try await store.appendEvents(complete.map { ErasureEvent($0.id, "completed", ["destinations": "\($0.destinations.count)"]) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var closed: [(record: ErasureRecord, receipt: Data?)] = []
            for record in complete {
                guard let tail = tails[record.id] else { continue }
                let receipt = ErasureReceipt(record, chainHead: tail.hash, events: tail.sequence, backupRetentionDays: backupRetentionDays)
                closed.append((record, try signingKey.map { try encoder.encode(try SignedErasureReceipt(receipt, key: $0)) }))
            }
            try await store.close(closed)
            for (record, _) in closed {
                let late = (record.completedAt ?? Date()) > record.dueAt
                Counter(label: "tokenize_erasures_completed_total", dimensions: [("late", late ? "true" : "false")]).increment()
            }
            logger.info("erasure requests complete", metadata: ["count": "\(closed.count)"])
        } catch {
            logger.warning("erasure requests not closed; retrying", metadata: ["count": "\(complete.count)", "error": "\(error)"])
        }
    }

    private func save(_ records: [(record: ErasureRecord, retryIn: Duration)]) async {
        do {
            try await store.save(records)
        } catch {
            logger.warning("erasure requests not saved; their lease ends and they are taken again", metadata: ["error": "\(error)"])
        }
    }

    /// 30 s doubled per attempt, at most an hour.
    static func backoff(_ attempts: Int) -> Duration {
        .seconds(min(3_600, 30 << min(max(attempts - 1, 0), 7)))
    }
}
