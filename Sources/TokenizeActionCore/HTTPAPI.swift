import Foundation
import Hummingbird
import Logging
import Prometheus
import Runs

/// Checks each dependency for `/readyz`.
public struct ReadinessChecks: Sendable {
    public var checks: [(name: String, probe: @Sendable () async -> Bool)]

    public init(checks: [(name: String, probe: @Sendable () async -> Bool)]) {
        self.checks = checks
    }

    /// Runs every probe concurrently; returns each result by name.
    func evaluate() async -> [String: Bool] {
        await withTaskGroup(of: (String, Bool).self) { group in
            for check in checks {
                group.addTask { (check.name, await check.probe()) }
            }
            var results: [String: Bool] = [:]
            for await (name, ok) in group { results[name] = ok }
            return results
        }
    }
}

/// The HTTP API: `/healthz`, `/readyz`, `POST /trigger`, `GET /runs/{run_id}`, `/metrics`.
public enum HTTPAPI {
    /// Builds the router.
    public static func router(
        runs: RunManager, readiness: ReadinessChecks, supportedPlatforms: Set<String>, metrics: PrometheusCollectorRegistry?
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            json(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            let results = await readiness.evaluate()
            let ready = results.values.allSatisfy { $0 }
            var body: [String: String] = results.mapValues { $0 ? "ok" : "unreachable" }
            body["status"] = ready ? "ready" : "not ready"
            return json(ready ? .ok : .serviceUnavailable, body)
        }
        router.post("/trigger") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let parsed: (DatasetURN, RunScope)
            do {
                parsed = try parseTrigger(Data(body.readableBytesView), supportedPlatforms: supportedPlatforms)
            } catch let error as RunError {
                return json(.badRequest, ["error": error.message])
            }
            let record = await runs.submit(dataset: parsed.0, scope: parsed.1)
            return recordResponse(record)
        }
        router.get("/runs/:run_id") { _, context -> Response in
            let runID = context.parameters.get("run_id") ?? ""
            guard let record = await runs.record(runID: runID) else {
                return json(.notFound, ["error": "no run with id '\(runID)' (runs are kept in memory for the process's life)"])
            }
            return recordResponse(record)
        }
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        return router
    }

    /// Validates a `POST /trigger` body: `{"dataset": URN, "columns": [names], "rekey": bool}` (columns and rekey optional).
    static func parseTrigger(_ body: Data, supportedPlatforms: Set<String>) throws(RunError) -> (DatasetURN, RunScope) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw RunError(.invalidRequest, "body must be a JSON object like {\"dataset\": \"urn:li:dataset:(…)\", \"columns\": [\"email\"]}")
        }
        guard let urn = object["dataset"] as? String else {
            throw RunError(.invalidRequest, "\"dataset\" (a dataset URN string) is required")
        }
        var columns: [String]? = nil
        if let raw = object["columns"], !(raw is NSNull) {
            guard let list = raw as? [Any], list.allSatisfy({ ($0 as? String).map { !$0.isEmpty } ?? false }) else {
                throw RunError(.invalidRequest, "\"columns\" must be an array of non-empty column names")
            }
            columns = list.compactMap { $0 as? String }
        }
        var rekey = false
        if let raw = object["rekey"], !(raw is NSNull) {
            guard let flag = raw as? Bool else {
                throw RunError(.invalidRequest, "\"rekey\" must be true or false")
            }
            rekey = flag
        }
        let unknown = Set(object.keys).subtracting(["dataset", "columns", "rekey"])
        if let first = unknown.sorted().first {
            throw RunError(.invalidRequest, "unknown field \"\(first)\"; allowed: dataset, columns, rekey")
        }
        let dataset = try DatasetURN(urn)
        guard supportedPlatforms.contains(dataset.platform) else {
            throw RunError(
                .unsupportedPlatform,
                "platform '\(dataset.platform)' is not supported; supported: \(supportedPlatforms.sorted().joined(separator: ", "))")
        }
        _ = try dataset.tableReference()
        return (dataset, RunScope.request(columns: columns, rekey: rekey))
    }

    private static func recordResponse(_ record: RunRecord) -> Response {
        let data = (try? RunRecord.encoder().encode(record)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
