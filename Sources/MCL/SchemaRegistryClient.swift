import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import Resilience
import Synchronization

/// Where the Confluent-compatible registry is and how to authenticate to it.
public struct SchemaRegistrySettings: Sendable, Equatable {
    public enum Credentials: Sendable, Equatable {
        /// HTTP basic authentication (`SCHEMA_REGISTRY_BASIC_AUTH=user:password`).
        case basic(user: String, password: String)
        /// A bearer token (`SCHEMA_REGISTRY_BEARER_TOKEN`).
        case bearer(String)
    }

    /// The registry root, e.g. `http://datahub-gms:8080/schema-registry/api` (no trailing slash).
    public var url: String
    public var credentials: Credentials?
    /// Bound on one fetch (default 10 s).
    public var timeout: Duration

    public init(url: String, credentials: Credentials? = nil, timeout: Duration = .seconds(10)) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.credentials = credentials
        self.timeout = timeout
    }

    var authorizationHeader: String? {
        switch credentials {
        case .basic(let user, let password): return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .bearer(let token): return "Bearer \(token)"
        case nil: return nil
        }
    }
}

/// Parsed writer schemas by id, readable from any thread: the Kafka poll thread classifies messages with it
/// without crossing into async code.
public final class SchemaCache: Sendable {
    private let schemas = Mutex<[Int32: MCLSchema]>([:])

    public init() {}

    public func schema(id: Int32) -> MCLSchema? { schemas.withLock { $0[id] } }

    public func insert(_ schema: MCLSchema, id: Int32) { schemas.withLock { $0[id] = schema } }
}

/// Fetches writer schemas by id from a Confluent-compatible registry (DataHub GMS serves one at
/// `/schema-registry/api`) into a `SchemaCache`. Concurrent requests for one id share one fetch.
///
/// A 404 means the id is unknown: the message is poison. A failure to reach the registry, a 5xx or 429, or a
/// refused credential is *unavailable*: the caller retries, so no trigger is lost while GMS restarts.
public actor SchemaRegistryClient {
    private let settings: SchemaRegistrySettings
    private let httpClient: HTTPClient
    private let logger: Logger
    public nonisolated let cache: SchemaCache
    private var inFlight: [Int32: [CheckedContinuation<MCLSchema, any Error>]] = [:]

    public init(settings: SchemaRegistrySettings, httpClient: HTTPClient, cache: SchemaCache = SchemaCache(), logger: Logger) {
        self.settings = settings
        self.httpClient = httpClient
        self.cache = cache
        self.logger = logger
    }

    /// The writer schema for an id, fetched on first use.
    public func schema(id: Int32) async throws(MCLDecodingError) -> MCLSchema {
        if let cached = cache.schema(id: id) { return cached }
        do {
            if inFlight[id] != nil {
                return try await withCheckedThrowingContinuation { inFlight[id, default: []].append($0) }
            }
            inFlight[id] = []
            let result: Result<MCLSchema, MCLDecodingError>
            do {
                result = .success(try await fetch(id: id))
            } catch {
                result = .failure(error)
            }
            if case .success(let schema) = result { cache.insert(schema, id: id) }
            for waiter in inFlight.removeValue(forKey: id) ?? [] { waiter.resume(with: result.mapError { $0 }) }
            return try result.get()
        } catch let error as MCLDecodingError {
            throw error
        } catch {
            throw MCLDecodingError(.registryUnavailable, "schema id \(id): \(error)")
        }
    }

    /// Whether the registry answers (`GET /subjects`).
    public func ping() async -> Bool {
        do {
            let response = try await httpClient.execute(request("\(settings.url)/subjects"), timeout: .seconds(3))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status == .ok
        } catch {
            return false
        }
    }

    /// Whether the service can read schemas from the registry: `GET /subjects` with the configured credentials. A 401
    /// or 403 (the credentials) or another 4xx (no registry at that address) is a refusal; no answer, a 5xx or a 429 is
    /// unavailable.
    public func probe() async -> ProbeOutcome {
        let url = "\(settings.url)/subjects"
        let status: UInt
        do {
            let response = try await httpClient.execute(request(url), timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1 << 20)
            status = response.status.code
        } catch {
            return .unavailable("GET \(url) failed: \(error); check SCHEMA_REGISTRY_URL")
        }
        switch status {
        case 200..<300: return .answers
        case 401, 403:
            return .refused(
                "the schema registry refused the credentials (HTTP \(status) for GET \(url)); set SCHEMA_REGISTRY_BASIC_AUTH or "
                    + "SCHEMA_REGISTRY_BEARER_TOKEN"
            )
        case 429, 500...: return .unavailable("HTTP \(status) for GET \(url)")
        default:
            return .refused(
                "no schema registry at SCHEMA_REGISTRY_URL \(settings.url) (HTTP \(status) for GET \(url)); set it to the registry's base "
                    + "URL, e.g. http://datahub-gms:8080/schema-registry/api"
            )
        }
    }

    private func request(_ url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/vnd.schemaregistry.v1+json, application/json")
        if let authorization = settings.authorizationHeader { request.headers.add(name: "Authorization", value: authorization) }
        return request
    }

    private func fetch(id: Int32) async throws(MCLDecodingError) -> MCLSchema {
        let url = "\(settings.url)/schemas/ids/\(id)"
        let context = ["schema_id": "\(id)", "url": url]
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request(url), timeout: .nanoseconds(Int64(settings.timeout.seconds * 1e9)))
            body = try await response.body.collect(upTo: 8 << 20)
        } catch {
            Self.count("unavailable")
            throw MCLDecodingError(.registryUnavailable, "GET \(url) failed: \(error); retrying. Check SCHEMA_REGISTRY_URL.", context: context)
        }
        switch response.status.code {
        case 200: break
        case 404:
            Self.count("unknown")
            throw MCLDecodingError(.unknownSchema, "the registry does not know schema id \(id) (HTTP 404)", context: context)
        case 401, 403:
            Self.count("unauthorized")
            throw MCLDecodingError(
                .registryUnavailable,
                "GET \(url) answered HTTP \(response.status.code); set SCHEMA_REGISTRY_BASIC_AUTH or SCHEMA_REGISTRY_BEARER_TOKEN. Retrying.",
                context: context)
        case 429, 500...:
            Self.count("unavailable")
            throw MCLDecodingError(.registryUnavailable, "GET \(url) answered HTTP \(response.status.code); retrying", context: context)
        default:
            Self.count("unknown")
            throw MCLDecodingError(.unknownSchema, "GET \(url) answered HTTP \(response.status.code)", context: context)
        }
        guard let text = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?["schema"] as? String else {
            Self.count("invalid")
            throw MCLDecodingError(.invalidSchema, "GET \(url) did not return {\"schema\": …}", context: context)
        }
        do {
            let schema = try MCLSchema(json: text)
            Self.count("fetched")
            logger.info("loaded writer schema", metadata: ["schema_id": "\(id)"])
            return schema
        } catch {
            Self.count("invalid")
            throw MCLDecodingError(error.code, "schema id \(id): \(error.message)", context: context)
        }
    }

    private static func count(_ outcome: String) {
        Counter(label: "tokenize_schema_registry_fetches_total", dimensions: [("outcome", outcome)]).increment()
    }
}
