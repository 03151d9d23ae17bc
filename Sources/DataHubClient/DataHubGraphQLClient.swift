import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A failure talking to DataHub GMS, with a message that says what to do.
public struct DataHubError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// GMS could not be reached, or answered 5xx/429: worth retrying.
        public static let unavailable = Code(name: "unavailable")
        /// 401/403: the token is missing or lacks privileges.
        public static let unauthorized = Code(name: "unauthorized")
        /// GraphQL `errors`, or a mutation that reported failure.
        public static let graphQL = Code(name: "graphql")
        /// The response was not the JSON expected.
        public static let malformedResponse = Code(name: "malformed_response")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var operationName: String?

    public init(_ code: Code, _ message: String, operationName: String? = nil) {
        self.code = code
        self.message = message
        self.operationName = operationName
    }

    public var description: String {
        operationName.map { "DataHub \($0): \(message)" } ?? "DataHub: \(message)"
    }
}

/// Settings for reaching DataHub GMS.
public struct DataHubSettings: Sendable {
    /// GMS root, e.g. `http://localhost:8080`.
    public var gmsURL: String
    /// Personal access token sent as `Authorization: Bearer`; `nil` when metadata-service auth is off.
    public var token: String?
    /// Bound on one request (default 15 s).
    public var requestTimeout: Duration
    /// Attempts for a request that failed transiently (default 4, with exponential backoff from 250 ms).
    public var maxAttempts: Int

    public init(gmsURL: String, token: String?, requestTimeout: Duration = .seconds(15), maxAttempts: Int = 4) {
        self.gmsURL = gmsURL.hasSuffix("/") ? String(gmsURL.dropLast()) : gmsURL
        self.token = token
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
    }
}

/// Sends GraphQL documents to `{gms}/api/graphql`, retrying transient failures with backoff.
public struct DataHubGraphQLClient: Sendable {
    public let settings: DataHubSettings
    private let httpClient: HTTPClient
    private let logger: Logger

    public init(settings: DataHubSettings, httpClient: HTTPClient, logger: Logger) {
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Executes a document and returns its `data`.
    public func execute(_ document: GraphQLDocument, variables: [String: JSONValue]) async throws(DataHubError) -> JSONValue {
        var attempt = 1
        var delay = Duration.milliseconds(250)
        while true {
            do {
                return try await executeOnce(document, variables: variables)
            } catch where error.code == .unavailable && attempt < settings.maxAttempts {
                logger.warning(
                    "DataHub request failed, retrying",
                    metadata: ["operation": "\(document.operationName)", "attempt": "\(attempt)", "error": "\(error.message)"])
                try? await Task.sleep(for: delay)
                attempt += 1
                delay *= 2
            }
        }
    }

    private func executeOnce(_ document: GraphQLDocument, variables: [String: JSONValue]) async throws(DataHubError) -> JSONValue {
        let name = document.operationName
        var request = HTTPClientRequest(url: "\(settings.gmsURL)/api/graphql")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token = settings.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let payload: JSONValue = [
            "query": .string(document.text), "operationName": .string(name), "variables": .object(variables),
        ]
        let body: Data
        do {
            body = try JSONEncoder().encode(payload)
        } catch {
            throw DataHubError(.malformedResponse, "cannot encode variables: \(error)", operationName: name)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let responseBody: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .nanoseconds(settings.requestTimeout.nanoseconds))
            responseBody = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw DataHubError(.unavailable, "cannot reach \(settings.gmsURL): \(error); check DATAHUB_GMS_URL", operationName: name)
        }
        switch response.status.code {
        case 200..<300: break
        case 401, 403:
            throw DataHubError(
                .unauthorized, "HTTP \(response.status.code): set DATAHUB_TOKEN to a personal access token with the needed privileges",
                operationName: name)
        case 429, 500...:
            throw DataHubError(.unavailable, "HTTP \(response.status.code) from GMS", operationName: name)
        default:
            throw DataHubError(.graphQL, "HTTP \(response.status.code): \(String(buffer: responseBody).prefix(500))", operationName: name)
        }
        guard let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(responseBody.readableBytesView)) else {
            throw DataHubError(.malformedResponse, "response is not JSON", operationName: name)
        }
        if let errors = decoded["errors"]?.array, !errors.isEmpty {
            let messages = errors.compactMap { $0["message"]?.string }.joined(separator: "; ")
            throw DataHubError(.graphQL, messages.isEmpty ? "GraphQL errors" : messages, operationName: name)
        }
        guard let data = decoded["data"], data != JSONValue.null else {
            throw DataHubError(.malformedResponse, "response has no data", operationName: name)
        }
        return data
    }

    /// Whether GMS answers its health endpoint.
    public func ping() async -> Bool {
        do {
            let response = try await httpClient.execute(HTTPClientRequest(url: "\(settings.gmsURL)/health"), timeout: .seconds(3))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status == .ok
        } catch {
            return false
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
