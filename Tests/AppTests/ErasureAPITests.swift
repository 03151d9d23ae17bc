import AccessControl
import Erasures
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import Runs
import TestSupport
import Testing
import Tokenization

private let opsToken = "0123456789abcdef0123456789abcdef"
private let authorized: HTTPFields = [.authorization: "Bearer \(opsToken)"]

/// The routes with a ledger in memory, and the document that describes them.
private struct ErasureHarness {
    let store = InMemoryErasureStore()
    let runs = InMemoryRunStore()
    var configured = true

    func router() -> Router<APIRequestContext> {
        let tokenizer = Tokenizer(keyring: TokenKeyring(keys: [TokenKey(id: "k1", secret: Array(repeating: 9, count: 32))]))
        let intake = ErasureIntake(store: store, tokenizer: tokenizer, policy: ErasurePolicy(), term: .seconds(86_400), logger: Logger(label: "t")) {}
        return HTTPAPI.router(
            HTTPAPIDependencies(
                intake: RunIntake(store: runs, logger: Logger(label: "t")) {}, store: runs, readiness: ReadinessChecks(checks: []),
                supportedPlatforms: ["postgres"], metrics: nil, authentication: .tokens(try! APITokens.parse("ops=\(opsToken)")),
                erasures: configured ? ErasureAPI(intake: intake, store: store) : nil))
    }

    func app() -> some ApplicationProtocol { Application(router: router()) }
}

private func json(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
}

private let body =
    #"{"identifiers":[{"kind":"email","value":"alice@example.com"}],"reason":"GDPR Art. 17","requester":"Alice","source":"crm","source_id":"T-1"}"#

/// `/erasures` over HTTP: recorded before the answer, malformed bodies named, duplicates not queued, 503 without keys.
@Suite struct ErasureAPITests {
    @Test func aRequestIsRecordedAndFoundWhereTheAnswerSays() async throws {
        let api = ErasureHarness()
        try await api.app().test(.router) { client in
            let location = try await client.execute(uri: "/erasures", method: .post, headers: authorized, body: ByteBuffer(string: body)) {
                response in
                #expect(response.status == .accepted)
                #expect(json(response.body)["status"] as? String == "OPEN")
                #expect(!String(buffer: response.body).contains("alice@"), "the answer names no identifier")
                return response.headers[.location] ?? ""
            }
            #expect(api.store.rows.withLock { $0.count } == 1)
            try await client.execute(uri: location, method: .get, headers: authorized) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["source_id"] as? String == "T-1")
            }
            try await client.execute(uri: "/erasures", method: .post, headers: authorized, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok && response.headers[.location] == location, "the same request is not queued twice")
            }
            try await client.execute(uri: "/erasures?status=open&limit=5", method: .get, headers: authorized) { response in
                #expect((json(response.body)["erasures"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "\(location)/receipt", method: .get, headers: authorized) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/erasures/not-a-uuid", method: .get, headers: authorized) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test(arguments: [
        (#"{"identifiers":[],"reason":"r","requester":"q","source":"s","source_id":"1"}"#, "identifiers"),
        (#"{"identifiers":[{"kind":"Email","value":"a"}],"reason":"r","requester":"q","source":"s","source_id":"1"}"#, "identifiers[0].kind"),
        (#"{"identifiers":[{"kind":"email","value":"a"}],"requester":"q","source":"s","source_id":"1"}"#, "reason"),
        (#"[1, 2]"#, "body"),
        (#"{"identifiers": "#, "body"),
    ])
    func malformedBodiesNameTheirField(text: String, field: String) async throws {
        try await ErasureHarness().app().test(.router) { client in
            try await client.execute(uri: "/erasures", method: .post, headers: authorized, body: ByteBuffer(string: text)) { response in
                #expect(response.status == .badRequest)
                #expect(json(response.body)["field"] as? String == field)
            }
        }
    }

    @Test func withoutKeysTheRoutesSayWhatToSet() async throws {
        var api = ErasureHarness()
        api.configured = false
        try await api.app().test(.router) { client in
            try await client.execute(uri: "/erasures", method: .post, headers: authorized, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect((json(response.body)["error"] as? String)?.contains("TOKEN_KEYS_FILE") == true)
            }
            try await client.execute(uri: "/erasures", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}

/// `GET /openapi.json` describes exactly the routes the router serves.
@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentNamesEveryRouteAndNoOther() async throws {
        let router = ErasureHarness().router()
        var routed = Set(
            router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
            })
        routed.insert("GET /metrics")  // served when the service exports metrics (`HTTPAPIDependencies.metrics`)
        let documented = try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                let document = json(response.body)
                #expect(document["openapi"] as? String == "3.1.0")
                var documented: Set<String> = []
                for (path, item) in document["paths"] as? [String: [String: Any]] ?? [:] {
                    for method in item.keys { documented.insert("\(method.uppercased()) \(path)") }
                }
                return documented
            }
        }
        #expect(documented == routed, "only documented: \(documented.subtracting(routed)); only routed: \(routed.subtracting(documented))")
    }
}
