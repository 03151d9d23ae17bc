import AsyncHTTPClient
import Catalog
import Foundation
import JSON
import Logging
import Metrics
import NIOCore
import Resilience

/// Sends GraphQL documents to `{gms}/api/graphql`, retrying transient failures with jittered backoff.
///
/// 5xx, 429, timeouts and connection errors are `unavailable` (transient); 401/403 and other 4xx, GraphQL
/// `errors` and malformed answers are permanent. Cancellation ends the retries at once.
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
    public func execute(_ document: DataHubDocument, variables: [String: JSONValue]) async throws(DataHubError) -> JSONValue {
        do {
            return try await withRetry(
                settings.retry,
                onRetry: { event in
                    Counter(label: "tokenize_datahub_retries_total", dimensions: [("operation", document.operationName)]).increment()
                    logger.warning(
                        "DataHub request failed, retrying",
                        metadata: ["operation": "\(document.operationName)", "attempt": "\(event.attempt)", "error": "\(event.error)"])
                }
            ) {
                try await executeOnce(document, variables: variables)
            }
        } catch let error as DataHubError {
            throw error
        } catch {
            throw DataHubError(.unavailable, "request cancelled: \(error)", operationName: document.operationName)
        }
    }

    private func executeOnce(_ document: DataHubDocument, variables: [String: JSONValue]) async throws(DataHubError) -> JSONValue {
        let started = ContinuousClock.now
        var outcome = "error"
        defer {
            Timer(label: "tokenize_datahub_request_duration_seconds", dimensions: [("operation", document.operationName), ("outcome", outcome)])
                .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        }
        let name = document.operationName
        var request = HTTPClientRequest(url: "\(settings.gmsURL)/api/graphql")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token = settings.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let payload: JSONValue = ["query": .string(document.text), "operationName": .string(name), "variables": .object(variables)]
        guard let body = try? JSONEncoder().encode(payload) else {
            throw DataHubError(.malformedResponse, "cannot encode the variables", operationName: name)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let responseBody: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(settings.requestTimeout.seconds * 1e9)))
            responseBody = try await response.body.collect(upTo: 16 << 20)
        } catch {
            outcome = "unavailable"
            throw DataHubError(.unavailable, "cannot reach \(settings.gmsURL): \(error); check DATAHUB_GMS_URL", operationName: name)
        }
        switch response.status.code {
        case 200..<300: break
        case 401, 403:
            outcome = "unauthorized"
            throw DataHubError(
                .unauthorized, "HTTP \(response.status.code): set DATAHUB_TOKEN to a personal access token with the needed privileges",
                operationName: name)
        case 429, 500...:
            outcome = "unavailable"
            throw DataHubError(.unavailable, "HTTP \(response.status.code) from GMS", operationName: name)
        default:
            outcome = "rejected"
            throw DataHubError(.graphQL, "HTTP \(response.status.code): \(String(buffer: responseBody).prefix(500))", operationName: name)
        }
        let decoded: JSONValue
        do {
            decoded = try JSONParser.parse(responseBody.readableBytesView)
        } catch {
            outcome = "malformed"
            throw DataHubError(.malformedResponse, "response is not JSON: \(error)", operationName: name)
        }
        if let errors = decoded["errors"]?.array, !errors.isEmpty {
            outcome = "graphql_error"
            let messages = errors.compactMap { $0["message"]?.string }.joined(separator: "; ")
            let code: DataHubError.Code = messages.lowercased().contains("already exists") ? .alreadyExists : .graphQL
            throw DataHubError(code, messages.isEmpty ? "GraphQL errors" : messages, operationName: name)
        }
        guard let data = decoded["data"], data != JSONValue.null else {
            outcome = "malformed"
            throw DataHubError(.malformedResponse, "response has no data", operationName: name)
        }
        outcome = "ok"
        if document.isMutation { Counter(label: "tokenize_datahub_mutations_total", dimensions: [("operation", name)]).increment() }
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
