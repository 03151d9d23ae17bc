import AccessControl
import Catalog
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

/// What the API works with.
public struct HTTPAPIDependencies: Sendable {
    public var intake: RunIntake
    public var store: any RunStore
    public var readiness: ReadinessChecks
    public var supportedPlatforms: Set<String>
    public var metrics: PrometheusCollectorRegistry?
    /// How run routes know their callers.
    public var authentication: APIAuthentication
    /// Erasure requests (`/erasures`); nil: the routes answer 503 with what to configure.
    public var erasures: ErasureAPI?

    public init(
        intake: RunIntake, store: any RunStore, readiness: ReadinessChecks, supportedPlatforms: Set<String>, metrics: PrometheusCollectorRegistry?,
        authentication: APIAuthentication, erasures: ErasureAPI? = nil
    ) {
        self.authentication = authentication
        self.erasures = erasures
        self.intake = intake
        self.store = store
        self.readiness = readiness
        self.supportedPlatforms = supportedPlatforms
        self.metrics = metrics
    }
}

/// The HTTP API (`OpenAPIDocument`): `/healthz`, `/readyz`, `/metrics`, `/openapi.json` (open), and behind
/// `BearerAuthentication`: `POST /trigger`, `/verify`, `/plan`, `GET /runs`, `/runs/{run_id}`, `/runs/{run_id}/events`, and
/// the erasure routes (`ErasureRoutes`).
public enum HTTPAPI {
    public static func router(_ dependencies: HTTPAPIDependencies) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.get("/healthz") { _, _ in ["status": "ok"] }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/readyz") { _, _ -> EditedResponse<Readiness> in
            let results = await dependencies.readiness.evaluate()
            let ready = results.values.allSatisfy { $0 }
            return EditedResponse(
                status: ready ? .ok : .serviceUnavailable,
                response: Readiness(status: ready ? "ready" : "not ready", checks: results.mapValues { $0 ? "ok" : "unreachable" }))
        }
        let runs = router.group().add(middleware: BearerAuthentication(dependencies.authentication))
        runs.post("/trigger") { request, context -> Response in
            try await submit(request, context, dependencies, kind: .tokenize)
        }
        runs.post("/verify") { request, context -> Response in
            try await submit(request, context, dependencies, kind: .verify)
        }
        runs.post("/plan") { request, context -> Response in
            try await submit(request, context, dependencies, kind: .plan)
        }
        runs.get("/runs/:run_id/events") { request, context -> Response in
            let runID = context.parameters.get("run_id") ?? ""
            guard try await dependencies.store.record(runID) != nil else {
                return try errorResponse(.notFound, "no run with id '\(runID)'", context)
            }
            let events = try await dependencies.store.events(runID: runID)
            let problems = AuditChain.problems(events)
            return try EventList(events: events, chain: problems.isEmpty ? "intact" : "broken", problems: problems).response(
                from: request, context: context)
        }
        runs.get("/runs") { request, context -> Response in
            let query = request.uri.queryParameters
            var status: RunStatus?
            if let text = query.get("status") {
                guard let parsed = RunStatus(rawValue: text.uppercased()) else {
                    return try errorResponse(
                        .badRequest, "status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))", context)
                }
                status = parsed
            }
            let limit = query.get("limit").flatMap(Int.init) ?? 50
            guard (1...1000).contains(limit) else { return try errorResponse(.badRequest, "limit must be 1...1000", context) }
            var dataset: DatasetURN?
            if let text = query.get("dataset") {
                guard let parsed = try? DatasetURN(text) else {
                    return try errorResponse(
                        .badRequest, "dataset must be a dataset URN, urn:li:dataset:(urn:li:dataPlatform:<platform>,<name>,<env>)", context)
                }
                dataset = parsed
            }
            let runs = try await dependencies.store.records(dataset: dataset, status: status, limit: limit)
            return try RunList(runs: runs).response(from: request, context: context)
        }
        ErasureRoutes.add(to: runs, dependencies.erasures)
        runs.get("/runs/:run_id") { request, context -> Response in
            let runID = context.parameters.get("run_id") ?? ""
            guard let record = try await dependencies.store.record(runID) else {
                return try errorResponse(.notFound, "no run with id '\(runID)'", context)
            }
            return try record.response(from: request, context: context)
        }
        if let metrics = dependencies.metrics {
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        return router
    }

    /// `POST /trigger`, `POST /verify` and `POST /plan`: 202 with the recorded run, or with `?wait=true` its settled record.
    private static func submit(
        _ request: Request, _ context: APIRequestContext, _ dependencies: HTTPAPIDependencies, kind: RunKind
    ) async throws -> Response {
        let body: TriggerRequest
        do {
            body = try await request.decode(as: TriggerRequest.self, context: context)
        } catch let error as RunError {
            return try errorResponse(.badRequest, error.message, context)
        } catch {
            return try errorResponse(
                .badRequest, "body must be a JSON object like {\"dataset\": \"urn:li:dataset:(…)\", \"columns\": [\"email\"]}", context)
        }
        let runRequest: RunRequest
        switch Result(catching: { () throws(RunError) in
            try body.runRequest(supportedPlatforms: dependencies.supportedPlatforms, requestedBy: context.caller.description, kind: kind)
        }) {
        case .success(let value): runRequest = value
        case .failure(let error): return try errorResponse(.badRequest, error.message, context)
        }
        let outcome = try await dependencies.intake.submit(runRequest)
        if request.uri.queryParameters.get("wait") == "true" {
            guard let final = try await dependencies.intake.final(outcome.run.runID) else {
                return try errorResponse(.internalServerError, "run \(outcome.run.runID) disappeared from the ledger", context)
            }
            return try final.response(from: request, context: context)
        }
        return try EditedResponse(status: .accepted, headers: [.location: "/runs/\(outcome.run.runID)"], response: outcome.run)
            .response(from: request, context: context)
    }

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, _ context: APIRequestContext, field: String? = nil) throws
        -> Response
    {
        let data = try context.responseEncoder.encode(ErrorBody(message, field: field))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
