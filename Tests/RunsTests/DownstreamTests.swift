import AccessControl
import Catalog
import Foundation
import Runs
import TestSupport
import Testing
import WarehouseKit

/// Downstream copies after a SUCCESS: found by DataHub lineage (same column name, or column-level edges followed
/// hop by hop), listed in the record and the documentation, and propagated when asked.
@Suite struct DownstreamTests {
    let copyURN: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers_copy,PROD)"
    let martURN: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.mart,PROD)"
    let unrelatedURN: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.revenue,PROD)"

    @Test func copiesAreFoundByNameAndByColumnLineageAcrossHops() {
        let downstreams = [
            DownstreamDataset(
                urn: copyURN, degree: 1, fieldPaths: ["id", "email", "phone_number"],
                edges: [
                    .init(upstreamDataset: customersURN, upstreamField: "phone", downstreamField: "phone_number")
                ]),
            DownstreamDataset(
                urn: martURN, degree: 2, fieldPaths: ["[version=2.0].[type=string].contact"],
                edges: [
                    .init(upstreamDataset: copyURN, upstreamField: "phone_number", downstreamField: "[version=2.0].[type=string].contact")
                ]),
            DownstreamDataset(urn: unrelatedURN, degree: 1, fieldPaths: ["amount", "city"]),
        ]
        let copies = DownstreamReport.copies(of: ["email", "phone"], upstream: customersURN, downstreams: downstreams, tokenizedSince: [:])
        #expect(copies.map(\.dataset) == [copyURN, martURN])
        #expect(copies.first?.fields == ["email", "phone_number"] && copies.last?.fields == ["[version=2.0].[type=string].contact"])
        let later = DownstreamReport.copies(
            of: ["email", "phone"], upstream: customersURN, downstreams: downstreams, tokenizedSince: [copyURN: ["email", "phone_number"]])
        #expect(later.map(\.dataset) == [martURN], "a copy tokenized since is not listed")
        #expect(DownstreamReport(depth: 3, copies: copies).sentence?.hasPrefix("2 downstream dataset(s) may still hold these values: ") == true)
    }

    func harness(propagate: Bool, policy: TokenizePolicy? = nil) -> (Harness, RunExecutor) {
        let harness = Harness(
            datasets: [
                snapshot(customersURN),
                DatasetSnapshot(urn: copyURN, fields: [DatasetSnapshot.Field(fieldPath: "email"), DatasetSnapshot.Field(fieldPath: "city")]),
            ], policy: policy)
        harness.catalog.state.withLock { $0.upstreams[copyURN] = [customersURN] }
        var settings = RunExecutor.Settings.testing(defaultScheme: .hmac, trigger: trigger)
        settings.propagateDownstream = propagate
        let executor = RunExecutor(
            warehouses: ["postgres": harness.warehouse], catalog: harness.catalog, store: harness.store, gate: harness.gate, settings: settings,
            logger: harness.logger)
        return (harness, executor)
    }

    @Test(arguments: [false, true])
    func aSuccessListsItsDownstreamCopiesAndPropagatesWhenAsked(propagate: Bool) async throws {
        let (harness, executor) = harness(propagate: propagate)
        let run = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let record) = await executor.attempt(run, stop: StopSignal()) else {
            Issue.record("the run settles")
            return
        }
        #expect(record.status == .success && record.downstream?.copies.map(\.dataset) == [copyURN], "\(String(describing: record.downstream))")
        #expect(record.details.contains("1 downstream dataset(s) may still hold these values: \(copyURN) (email)"))
        #expect(record.downstream?.copies.first?.propagated == propagate)
        let copyTags = harness.catalog.snapshot(copyURN)?.fields.first { $0.fieldPath == "email" }?.tags ?? []
        #expect(copyTags.contains(trigger) == propagate)
        try await harness.store.save(record, retryIn: nil)
        try await WriteBackPublisher(
            catalog: harness.catalog, policy: WriteBackPolicy(tags: ServiceTags.with(trigger: trigger)), logger: harness.logger
        ).publish(record)
        #expect(harness.catalog.snapshot(customersURN)?.editableDescription?.contains("| Downstream copies | 1 downstream dataset(s)") == true)
    }

    @Test func propagationFollowsThePolicy() async throws {
        let policy = try PolicyFile.parse("datasets:\n  deny: [\"postgres/shop/public/customers_copy\"]\n")
        let (harness, executor) = harness(propagate: true, policy: policy)
        let run = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let record) = await executor.attempt(run, stop: StopSignal()) else { return }
        let copy = try #require(record.downstream?.copies.first)
        #expect(!copy.propagated && copy.notPropagated?.contains("policy") == true, "\(copy)")
        #expect(harness.catalog.snapshot(copyURN)?.fields.first { $0.fieldPath == "email" }?.tags.contains(trigger) == false)
    }

    @Test func lineageThatCannotBeReadLeavesTheRunSuccessful() async throws {
        let (harness, executor) = harness(propagate: false)
        let run = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        harness.catalog.state.withLock {
            $0.lineageFailure = DataHubError(.unavailable, "GMS answered 503 to searchAcrossLineage", operationName: "tokenizeDownstreamLineage")
        }
        guard case .finished(let record) = await executor.attempt(run, stop: StopSignal()) else {
            Issue.record("the run settles")
            return
        }
        #expect(record.status == .success && record.downstream?.copies == [], "\(record.details)")
        #expect(record.downstream?.error?.contains("503") == true && record.details.contains("downstream lineage not checked"))
    }

    /// A re-run that finds the dataset clean asks DataHub for lineage during its verification, and reports it as
    /// a run with batches does; a lineage failure still leaves it SUCCESS.
    @Test func aRerunThatFindsNothingToDoListsItsDownstreamCopies() async throws {
        let (harness, executor) = harness(propagate: false)
        for lineageFails in [false, true] {
            let run = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
            guard case .finished(let first) = await executor.attempt(run, stop: StopSignal()) else { return }
            try await harness.store.save(first, retryIn: nil)
            if lineageFails {
                harness.catalog.state.withLock {
                    $0.lineageFailure = DataHubError(.unavailable, "GMS answered 503", operationName: "tokenizeDownstreamLineage")
                }
            }
            let rerun = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
            guard case .finished(let record) = await executor.attempt(rerun, stop: StopSignal()) else {
                Issue.record("the re-run settles")
                return
            }
            try await harness.store.save(record, retryIn: nil)
            #expect(record.status == .success && record.rowsUpdated == 0 && record.details.hasPrefix("already tokenized"), "\(record.details)")
            if lineageFails {
                #expect(
                    record.downstream?.copies == [] && record.downstream?.error?.contains("503") == true, "\(String(describing: record.downstream))")
            } else {
                #expect(record.downstream?.copies.map(\.dataset) == [copyURN], "\(String(describing: record.downstream))")
                #expect(record.details.contains("1 downstream dataset(s) may still hold these values: \(copyURN) (email)"))
            }
        }
    }
}
