import AsyncHTTPClient
import Foundation
import Logging
import MCL
import Synchronization
import TestSupport
import Testing

private let schemaJSON = try! String(
    contentsOf: Bundle.module.url(forResource: "Fixtures/mcl_v1.avsc", withExtension: nil)!, encoding: .utf8)

private func registry(_ url: String, credentials: SchemaRegistrySettings.Credentials? = nil) -> SchemaRegistryClient {
    SchemaRegistryClient(
        settings: SchemaRegistrySettings(url: url, credentials: credentials), httpClient: .shared, logger: Logger(label: "registry-test"))
}

private func body() -> String {
    let escaped = String(decoding: try! JSONEncoder().encode(schemaJSON), as: UTF8.self)
    return "{\"schema\": \(escaped)}"
}

/// The registry client: one fetch per schema id, unreachable as unavailable, a non-MCL schema as poison.
@Suite struct SchemaRegistryClientTests {
    /// Many messages with a new schema id at once: one fetch, shared.
    @Test func concurrentRequestsForOneIDShareOneFetch() async throws {
        let fetches = Mutex(0)
        let authorization = Mutex<String?>(nil)
        try await FakeHTTPServer.with({ request in
            fetches.withLock { $0 += 1 }
            authorization.withLock { $0 = request.headers["authorization"] }
            try? await Task.sleep(for: .milliseconds(200))
            return .init(200, body())
        }) { url in
            let client = registry(url, credentials: .basic(user: "u", password: "p"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 { group.addTask { _ = try await client.schema(id: 2) } }
                try await group.waitForAll()
            }
            #expect(client.cache.schema(id: 2) != nil)
            _ = try await client.schema(id: 2)
        }
        #expect(fetches.withLock { $0 } == 1)
        #expect(authorization.withLock { $0 } == "Basic " + Data("u:p".utf8).base64EncodedString())
    }

    /// 404: the id is unknown, the message is poison. 503, 401 or no answer: unavailable, retry, never skip.
    @Test(arguments: [
        (404, MCLDecodingError.Code.unknownSchema), (503, .registryUnavailable), (401, .registryUnavailable), (429, .registryUnavailable),
    ])
    func answersAreClassified(status: Int, expected: MCLDecodingError.Code) async throws {
        let error = try await FakeHTTPServer.with({ _ in .init(status, #"{"error_code":40403}"#) }) { url in
            do {
                _ = try await registry(url).schema(id: 99)
                return nil as MCLDecodingError?
            } catch let error as MCLDecodingError {
                return error
            }
        }
        #expect(error?.code == expected)
        #expect(error?.isTransient == (expected == .registryUnavailable))
    }

    @Test func anUnreachableRegistryIsUnavailable() async throws {
        do {
            _ = try await registry("http://127.0.0.1:1").schema(id: 2)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .registryUnavailable && error.isTransient)
        }
    }

    @Test func aSchemaThatIsNotAnMCLIsPoison() async throws {
        let error = try await FakeHTTPServer.with({ _ in .init(200, #"{"schema": "\"string\""}"#) }) { url in
            do {
                _ = try await registry(url).schema(id: 5)
                return nil as MCLDecodingError?
            } catch let error as MCLDecodingError {
                return error
            }
        }
        #expect(error?.code == .invalidSchema)
    }
}

/// The startup probe: credentials refused or no registry at the address stop the service; no answer is waited for.
@Suite struct SchemaRegistryProbeTests {
    @Test(arguments: [
        (200, "answers"), (401, "SCHEMA_REGISTRY_BASIC_AUTH"), (403, "SCHEMA_REGISTRY_BEARER_TOKEN"), (404, "SCHEMA_REGISTRY_URL"),
        (503, "unavailable"), (429, "unavailable"),
    ])
    func answersAreClassified(status: Int, says: String) async throws {
        let outcome = try await FakeHTTPServer.with({ request in
            request.path.hasSuffix("/subjects") ? .init(status, "[]") : .init(500, "{}")
        }) { url in await registry(url).probe() }
        switch outcome {
        case .answers: #expect(says == "answers")
        case .refused(let reason): #expect([401, 403, 404].contains(status) && reason.contains(says), "\(reason)")
        case .unavailable: #expect(says == "unavailable")
        }
    }

    @Test func noListenerIsUnavailable() async throws {
        guard case .unavailable(let reason) = await registry("http://127.0.0.1:1").probe() else {
            Issue.record("a closed port is not a refusal")
            return
        }
        #expect(reason.contains("SCHEMA_REGISTRY_URL"))
    }
}
