import Foundation

/// How a run reconciliation recorded takes the requester of a request that arrived while one of its attempts
/// began. Pure: both stores apply it inside their per-dataset critical section.
///
/// Reconciliation may see a tag before Kafka delivers the event that says who added it. The Kafka request
/// normally merges into the waiting run (`EnqueuePlan.merge`) and lends it its requester. When it arrives while an
/// attempt of that run is beginning, it cannot merge: it is recorded COALESCED into the run (when the run covers
/// it) or queued as a run of its own behind it. Without adoption the run would wait for a requester that is
/// already recorded, and the queued run behind it would never start until the run is rejected.
public struct RequesterAdoption: Sendable, Equatable {
    /// The waiting run, with the requester and the scope of the runs merged into it.
    public var run: RunRecord
    /// Queued runs that merge into it: each is recorded COALESCED into `run`.
    public var absorbed: [RunRecord]
    /// The request whose requester the run takes (one of `absorbed`, or a request already coalesced into it).
    public var lender: RunRecord

    public init(run: RunRecord, absorbed: [RunRecord], lender: RunRecord) {
        self.run = run
        self.absorbed = absorbed
        self.lender = lender
    }

    /// Whether `run` is one that may adopt a requester: a queued run without one whose columns are not resolved.
    public static func applies(to run: RunRecord) -> Bool {
        run.requestedBy == nil && run.status == .queued && run.columns.isEmpty
    }

    /// What `run` adopts, given the dataset's open runs and the requests recorded COALESCED into it; nil when
    /// none of them names a requester (then nothing changes).
    ///
    /// Every queued run of the dataset recorded after `run` that no attempt has touched, of the same kind (run or
    /// plan), merges into it, as it would have had it arrived a moment later; the earliest request naming a
    /// requester lends it.
    public static func decide(for run: RunRecord, openRuns: [RunRecord], coalescedInto: [RunRecord]) -> RequesterAdoption? {
        guard applies(to: run) else { return nil }
        let absorbable = openRuns.filter {
            $0.runID != run.runID && $0.status == .queued && $0.columns.isEmpty && $0.attempts == 0 && !$0.attemptInProgress
                && ($0.scope.kind == .plan) == (run.scope.kind == .plan) && $0.createdAt >= run.createdAt
        }
        let requests = (coalescedInto.filter { $0.coalescedInto == run.runID } + absorbable).sorted { $0.createdAt < $1.createdAt }
        guard let lender = requests.first(where: { $0.requestedBy != nil }) else { return nil }
        var adopted = absorbable.reduce(run) { merged, queued in
            EnqueuePlan.merged(merged, scope: queued.scope, tagTriggered: queued.tagTriggered, requestedBy: queued.requestedBy)
        }
        adopted.requestedBy = lender.requestedBy
        return RequesterAdoption(run: adopted, absorbed: absorbable, lender: lender)
    }

    /// The details an absorbed run is recorded with.
    public var absorbedDetails: String { "merged into run \(run.runID), which was waiting for its requester" }

    /// The audit events: one on the run per request it takes, one on each absorbed run.
    public var events: [RunEvent] {
        var events = absorbed.map { queued in
            var data = [
                "source": queued.source.rawValue, "requested_by": queued.requestedBy ?? "unknown", "recorded_as": "merged",
                "request_id": queued.runID, "scope": queued.scope.summary, "why": "queued while an attempt of this run began",
            ]
            if let position = queued.position { data["kafka"] = position.description }
            return RunEvent(runID: run.runID, kind: .requested, data: data)
        }
        events.append(
            RunEvent(
                runID: run.runID, kind: .policy,
                data: ["decision": "requester known", "requested_by": run.requestedBy ?? "unknown", "from_request": lender.runID]))
        events += absorbed.map {
            RunEvent(
                runID: $0.runID, kind: .finished,
                data: ["status": RunStatus.coalesced.rawValue, "details": absorbedDetails, "rows_updated": "0"])
        }
        return events
    }
}
