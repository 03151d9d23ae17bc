import AccessControl
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import Runs
import TestSupport
import Testing

private let urn = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
private let opsToken = "0123456789abcdef0123456789abcdef"
private let authorized: HTTPFields = [.authorization: "Bearer \(opsToken)"]

/// The API over an in-memory ledger.
private struct API {
    let store = InMemoryRunStore()
    let metrics = PrometheusCollectorRegistry()

    var authentication = APIAuthentication.tokens(try! APITokens.parse("ops=\(opsToken)"))

    func app(ready: Bool = true) -> some ApplicationProtocol {
        let intake = RunIntake(store: store, logger: Logger(label: "api-test")) {}
        let readiness = ReadinessChecks(checks: [("postgres", { ready }), ("datahub", { true })])
        return Application(
            router: HTTPAPI.router(
                HTTPAPIDependencies(
                    intake: intake, store: store, readiness: readiness, supportedPlatforms: ["postgres"], metrics: metrics,
                    authentication: authentication)))
    }
}

private func json(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
}

/// The HTTP API through the router: 202 and `Location`, `?wait=true`, bearer tokens, health, readiness, metrics.
@Suite struct HTTPAPITests {
    @Test func aTriggerIsAcceptedWithItsQueuedRunAndWhereToFindIt() async throws {
        let api = API()
        try await api.app().test(.router) { client in
            try await client.execute(
                uri: "/trigger", method: .post, headers: authorized, body: ByteBuffer(string: #"{"dataset":"\#(urn)","columns":["email"]}"#)
            ) { response in
                #expect(response.status == .accepted)
                let body = json(response.body)
                let runID = try #require(body["run_id"] as? String)
                #expect(response.headers[.location] == "/runs/\(runID)")
                #expect(body["status"] as? String == "QUEUED" && body["source"] as? String == "api")
            }
            let runID = try #require(api.store.all.first?.runID)
            try await client.execute(uri: "/runs/\(runID)", method: .get, headers: authorized) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["dataset"] as? String == urn)
            }
            try await client.execute(
                uri: "/runs?dataset=\(urn.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&status=queued", method: .get,
                headers: authorized
            ) { response in
                #expect(response.status == .ok)
                #expect((json(response.body)["runs"] as? [Any])?.count == 1)
            }
        }
    }

    /// `?wait=true` answers once the run is final and its write-back settled (here the test finishes it).
    @Test func waitTrueAnswersWithTheFinalRecord() async throws {
        let api = API()
        let store = api.store
        try await api.app().test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while store.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                    var run = store.all[0]
                    run.status = .success
                    run.writeBack.state = .done
                    try await store.save(run, retryIn: nil)
                }
                try await client.execute(
                    uri: "/trigger?wait=true", method: .post, headers: authorized, body: ByteBuffer(string: #"{"dataset":"\#(urn)"}"#)
                ) { response in
                    #expect(response.status == .ok)
                    let body = json(response.body)
                    #expect(body["status"] as? String == "SUCCESS" && (body["write_back"] as? [String: Any])?["state"] as? String == "done")
                }
                try await group.waitForAll()
            }
        }
    }

    @Test(arguments: [
        ("not json", "body must be a JSON object"), (#"{"dataset":"nope"}"#, "is not a dataset URN"),
        (#"{"dataset":"\#(urn)","colums":["email"]}"#, "unknown field \"colums\""),
        (#"{"dataset":"\#(urn)","columns":[""]}"#, "non-empty column names"), (#"{"dataset":"\#(urn)","rekey":"yes"}"#, "true or false"),
        (#"{"dataset":"\#(urn)","full_scan":1}"#, "\"full_scan\" must be true or false"),
        (#"{"dataset":"urn:li:dataset:(urn:li:dataPlatform:mysql,a.b.c,PROD)"}"#, "platform 'mysql' is not supported"),
        (#"{"dataset":"urn:li:dataset:(urn:li:dataPlatform:postgres,customers,PROD)"}"#, "three dot-separated parts"),
    ])
    func badRequestsAre400WithAReason(body: String, reason: String) async throws {
        let api = API()
        try await api.app().test(.router) { client in
            try await client.execute(uri: "/trigger", method: .post, headers: authorized, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect((json(response.body)["error"] as? String)?.contains(reason) == true, "\(body)")
            }
        }
        #expect(api.store.all.isEmpty, "a bad request records nothing")
    }

    @Test func unknownRunsAndBadQueriesAreNamed() async throws {
        try await API().app().test(.router) { client in
            try await client.execute(uri: "/runs/00000000-0000-0000-0000-000000000000", method: .get, headers: authorized) { response in
                #expect(response.status == .notFound)
                #expect((json(response.body)["error"] as? String)?.contains("no run with id") == true)
            }
            try await client.execute(uri: "/runs?status=DONE", method: .get, headers: authorized) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        let api = API()
        PrometheusMetricsFactory(registry: api.metrics).makeCounter(label: "tokenize_runs_total", dimensions: [("status", "SUCCESS")]).increment(
            by: 1)
        try await api.app(ready: false).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = json(response.body)
                #expect(
                    (body["checks"] as? [String: String]) == ["postgres": "unreachable", "datahub": "ok"] && body["status"] as? String == "not ready")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#"tokenize_runs_total{status="SUCCESS"} 1"#))
            }
        }
    }

    @Test func runRoutesNeedAValidBearerTokenAndRecordTheCaller() async throws {
        let api = API()
        let body = ByteBuffer(string: #"{"dataset":"\#(urn)"}"#)
        try await api.app().test(.router) { client in
            try await client.execute(uri: "/trigger", method: .post, body: body) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="tokenize-action""#)
                #expect((json(response.body)["error"] as? String)?.contains("missing Authorization") == true)
            }
            for header in ["Bearer 0123456789abcdef0123456789abcdee", "Basic b3BzOnNlY3JldA==", "Bearer"] {
                try await client.execute(uri: "/trigger", method: .post, headers: [.authorization: header], body: body) { response in
                    #expect(response.status == .unauthorized, "\(header)")
                }
            }
            try await client.execute(uri: "/runs", method: .get) { response in #expect(response.status == .unauthorized) }
            #expect(api.store.all.isEmpty, "a refused request records nothing")
            try await client.execute(uri: "/trigger", method: .post, headers: [.authorization: "bearer \(opsToken)"], body: body) { response in
                #expect(response.status == .accepted)
                #expect(json(response.body)["requested_by"] as? String == "api:ops")
            }
            for path in ["/healthz", "/metrics"] {
                try await client.execute(uri: path, method: .get) { response in #expect(response.status == .ok, "\(path) stays open") }
            }
        }
    }

    @Test func withoutTokensTheRunRoutesAreRefusedUnlessAuthIsOff() async throws {
        var api = API()
        api.authentication = .unconfigured
        try await api.app().test(.router) { client in
            try await client.execute(uri: "/trigger", method: .post, body: ByteBuffer(string: #"{"dataset":"\#(urn)"}"#)) { response in
                #expect(response.status == .forbidden)
                #expect((json(response.body)["error"] as? String)?.contains("API_TOKENS_FILE") == true)
            }
        }
        #expect(api.store.all.isEmpty)
        api.authentication = .disabled
        try await api.app().test(.router) { client in
            try await client.execute(uri: "/trigger", method: .post, body: ByteBuffer(string: #"{"dataset":"\#(urn)"}"#)) { response in
                #expect(response.status == .accepted)
                #expect(json(response.body)["requested_by"] as? String == "api")
            }
        }
    }

    /// `"full_scan": true` asks a verification (or a run's) to check every row; a plan refuses it.
    @Test func aFullScanIsAskedInTheBody() throws {
        let body = #"{"dataset":"\#(urn)","full_scan":true}"#
        let request = try JSONDecoder().decode(TriggerRequest.self, from: Data(body.utf8))
        let run = try request.runRequest(supportedPlatforms: ["postgres"], requestedBy: nil, kind: .verify)
        #expect(run.scope.fullScan && run.scope.kind == .verify)
        #expect(throws: RunError.self) { try request.runRequest(supportedPlatforms: ["postgres"], requestedBy: nil, kind: .plan) }
        let plain = try JSONDecoder().decode(TriggerRequest.self, from: Data(#"{"dataset":"\#(urn)"}"#.utf8))
        #expect(try !plain.runRequest(supportedPlatforms: ["postgres"], requestedBy: nil, kind: .verify).scope.fullScan)
    }
}
