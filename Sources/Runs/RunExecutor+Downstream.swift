import Catalog
import Foundation
import Logging
import Metrics

/// Downstream copies: after a SUCCESS, DataHub's lineage says where the values may have been copied.
extension RunExecutor {
    /// The dataset's downstream lineage, asked for ahead (while a verification runs): nil when lineage is off.
    func lineageAhead(of record: RunRecord) async -> Result<[DownstreamDataset], DataHubError>? {
        guard settings.lineageDepth > 0 else { return nil }
        do {
            return .success(try await catalog.downstreams(of: record.dataset, depth: settings.lineageDepth))
        } catch {
            return .failure(error)
        }
    }

    /// The downstream datasets that may still hold the run's values, triggers propagated to them when asked
    /// (`lineage`: DataHub's answer when it was asked ahead). Lineage is best effort: when DataHub cannot answer,
    /// the report says so and the run stays SUCCESS.
    func downstreamCopies(
        of record: RunRecord, lineage: Result<[DownstreamDataset], DataHubError>? = nil, logger: Logger
    ) async throws -> DownstreamReport {
        var report: DownstreamReport
        do {
            let downstreams: [DownstreamDataset]
            if let lineage {
                downstreams = try lineage.get()
            } else {
                downstreams = try await catalog.downstreams(of: record.dataset, depth: settings.lineageDepth)
            }
            var tokenizedSince: [DatasetURN: Set<String>] = [:]
            for downstream in downstreams {
                tokenizedSince[downstream.urn] = try await columnsTokenized(in: downstream.urn, since: record.startedAt ?? record.createdAt)
            }
            var copies = DownstreamReport.copies(
                of: record.columns, upstream: record.dataset, downstreams: downstreams, tokenizedSince: tokenizedSince)
            if settings.propagateDownstream { copies = await propagate(copies, for: record, logger: logger) }
            report = DownstreamReport(depth: settings.lineageDepth, copies: copies)
        } catch let error as DataHubError {
            logger.warning("downstream lineage not checked", metadata: ["error": "\(error)"])
            report = DownstreamReport(depth: settings.lineageDepth, copies: [], error: error.message)
        }
        Gauge(label: "tokenize_downstream_copies", dimensions: [("dataset", record.dataset.description)]).record(report.copies.count)
        var data = ["depth": "\(report.depth)", "copies": "\(report.copies.count)"]
        for copy in report.copies {
            data["dataset \(copy.dataset)"] =
                "degree \(copy.degree), fields \(copy.fields.joined(separator: ", "))"
                + (copy.propagated ? ", tokenize/run added" : copy.notPropagated.map { ", not propagated: \($0)" } ?? "")
        }
        if let error = report.error { data["error"] = error }
        try await store.appendEvent(RunEvent(runID: record.runID, kind: .downstream, data: data))
        return report
    }

    /// The columns of `dataset` that SUCCESS runs finished after `date` tokenized.
    private func columnsTokenized(in dataset: DatasetURN, since date: Date) async throws -> Set<String> {
        let runs = try await store.records(dataset: dataset, status: .success, limit: 50)
        return Set(runs.filter { $0.scope.kind == .tokenize && ($0.finishedAt ?? .distantPast) > date }.flatMap(\.columns))
    }

    /// Adds the trigger to each copy's fields where the policy lets the run's requester tokenize that dataset.
    private func propagate(_ copies: [DownstreamReport.Copy], for record: RunRecord, logger: Logger) async -> [DownstreamReport.Copy] {
        var result: [DownstreamReport.Copy] = []
        for var copy in copies {
            do {
                let dataset = copy.dataset
                let question = RunRecord(
                    runID: UUID().uuidString, dataset: copy.dataset, scope: RunScope(triggerFields: Set(copy.fields)), source: .api,
                    requestedBy: record.requestedBy)
                if case .reject(let rejection) = try await gate.decide(question, dataset: dataset) {
                    copy.notPropagated = "the policy does not allow it: \(rejection.message)"
                } else {
                    try await catalog.ensureTags([settings.tags.trigger], description: "Managed by tokenize-action")
                    try await catalog.addTags([settings.tags.trigger], to: copy.fields.map { TagTarget(datasetURN: copy.dataset, fieldPath: $0) })
                    copy.propagated = true
                    logger.info("trigger propagated downstream", metadata: ["downstream": "\(copy.dataset)", "fields": "\(copy.fields)"])
                }
            } catch {
                copy.notPropagated = "\(error)"
            }
            result.append(copy)
        }
        return result
    }
}
