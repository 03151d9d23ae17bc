import Erasures
import Foundation
import Hummingbird
import Runs

/// What the erasure routes work with.
public struct ErasureAPI: Sendable {
    public var intake: ErasureIntake
    public var store: any ErasureStore

    public init(intake: ErasureIntake, store: any ErasureStore) {
        self.intake = intake
        self.store = store
    }
}

extension ErasureRecord: ResponseEncodable {}

/// A page of erasure requests.
public struct ErasureList: ResponseEncodable, Sendable {
    public var erasures: [ErasureRecord]
}

/// The erasure routes, behind `BearerAuthentication`: `POST /erasures`, `GET /erasures[?status=&due_before=&limit=]`,
/// `GET /erasures/{id}`, `GET /erasures/{id}/events`, `GET /erasures/{id}/receipt`, `POST /erasures/{id}/approve`,
/// `POST /erasures/{id}/reject`.
enum ErasureRoutes {
    static func add(to routes: RouterGroup<APIRequestContext>, _ api: ErasureAPI?) {
        routes.post("/erasures") { request, context -> Response in
            guard let api else { return try unconfigured(context) }
            let submission: ErasureSubmission
            do {
                submission = try await request.decode(as: ErasureSubmission.self, context: context)
            } catch {
                return try HTTPAPI.errorResponse(
                    .badRequest,
                    "body must be a JSON object like {\"identifiers\": [{\"kind\": \"email\", \"value\": \"…\"}], \"reason\": \"…\", "
                        + "\"requester\": \"…\", \"source\": \"…\", \"source_id\": \"…\"}", context, field: "body")
            }
            return try await answer(context) {
                let (record, duplicate) = try await api.intake.submit(submission, caller: context.caller)
                return try EditedResponse(status: duplicate ? .ok : .accepted, headers: [.location: "/erasures/\(record.id)"], response: record)
                    .response(from: request, context: context)
            }
        }
        routes.get("/erasures") { request, context -> Response in
            guard let api else { return try unconfigured(context) }
            let query = request.uri.queryParameters
            var status: ErasureStatus?
            if let text = query.get("status") {
                guard let parsed = ErasureStatus(rawValue: text.uppercased()) else {
                    let names = ErasureStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    return try HTTPAPI.errorResponse(.badRequest, "status must be one of \(names)", context, field: "status")
                }
                status = parsed
            }
            var dueBefore: Date?
            if let text = query.get("due_before") {
                guard let date = ISO8601DateFormatter().date(from: text) else {
                    return try HTTPAPI.errorResponse(.badRequest, "due_before must be an RFC 3339 time", context, field: "due_before")
                }
                dueBefore = date
            }
            let limit = query.get("limit").flatMap(Int.init) ?? 100
            guard (1...1000).contains(limit) else { return try HTTPAPI.errorResponse(.badRequest, "limit must be 1...1000", context, field: "limit") }
            return try await answer(context) {
                try await ensureRequester(api, context)
                return try ErasureList(erasures: try await api.store.records(status: status, dueBefore: dueBefore, limit: limit))
                    .response(from: request, context: context)
            }
        }
        routes.get("/erasures/:id") { request, context -> Response in
            guard let api else { return try unconfigured(context) }
            return try await answer(context) {
                try await ensureRequester(api, context)
                return try await found(api, context).response(from: request, context: context)
            }
        }
        routes.get("/erasures/:id/events") { request, context -> Response in
            guard let api else { return try unconfigured(context) }
            return try await answer(context) {
                try await ensureRequester(api, context)
                let record = try await found(api, context)
                let events = try await api.store.events(record.id)
                let problems = AuditChain.problems(events)
                return try EventList(events: events, chain: problems.isEmpty ? "intact" : "broken", problems: problems)
                    .response(from: request, context: context)
            }
        }
        routes.get("/erasures/:id/receipt") { request, context -> Response in
            guard let api else { return try unconfigured(context) }
            return try await answer(context) {
                try await ensureRequester(api, context)
                let record = try await found(api, context)
                guard record.status == .complete else {
                    throw ErasureError(.conflict, "request \(record.id) is \(record.status.rawValue): a receipt exists once it is COMPLETE")
                }
                guard let receipt = try await api.store.receipt(record.id) else {
                    throw ErasureError(.conflict, "request \(record.id) completed without a signing key (ERASURE_SIGNING_KEY_FILE): no receipt")
                }
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: receipt)))
            }
        }
        for (path, approve) in [("/erasures/:id/approve", true), ("/erasures/:id/reject", false)] {
            routes.post(RouterPath(path)) { request, context -> Response in
                guard let api else { return try unconfigured(context) }
                struct Decision: Decodable { var reason: String? }
                let body = (try? await request.decode(as: Decision.self, context: context)) ?? Decision(reason: nil)
                return try await answer(context) {
                    let id = context.parameters.get("id") ?? ""
                    return try await api.intake.decide(id, approve: approve, reason: body.reason, caller: context.caller)
                        .response(from: request, context: context)
                }
            }
        }
    }

    private static func ensureRequester(_ api: ErasureAPI, _ context: APIRequestContext) async throws {
        guard api.intake.mayRead(context.caller) else {
            throw ErasureError(.forbidden, "\(context.caller) may not read erasure requests (policy erasure.requesters)")
        }
    }

    private static func found(_ api: ErasureAPI, _ context: APIRequestContext) async throws -> ErasureRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = try await api.store.record(id) else { throw ErasureError(.notFound, "no erasure request with id '\(id)'") }
        return record
    }

    /// The response of `body`, or its `ErasureError` as the status and body that say what to do.
    private static func answer(_ context: APIRequestContext, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as ErasureError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .invalidRequest: .badRequest
                case .forbidden: .forbidden
                case .notFound: .notFound
                case .conflict: .conflict
                case .keys, .unavailable: .serviceUnavailable
                }
            return try HTTPAPI.errorResponse(status, error.message, context, field: error.context["field"])
        }
    }

    private static func unconfigured(_ context: APIRequestContext) throws -> Response {
        try HTTPAPI.errorResponse(
            .serviceUnavailable, "erasure requests need TOKEN_KEYS_FILE (their identifiers are sealed with it); set it and restart", context)
    }
}
