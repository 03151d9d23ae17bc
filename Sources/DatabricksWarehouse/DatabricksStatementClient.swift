import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Resilience
import WarehouseKit

/// A named `:parameter` of a statement.
public struct DatabricksParameter: Sendable, Equatable {
    public var name: String
    public var value: String?
    public var type: String

    public init(_ name: String, _ value: String?, type: String = "STRING") {
        self.name = name
        self.value = value
        self.type = type
    }
}

/// The rows of a finished statement, every chunk read. Values are strings (JSON_ARRAY format) or nil.
public struct DatabricksStatementResult: Sendable, Equatable {
    public var statementID: String
    public var columns: [String]
    public var rows: [[String?]]

    /// `num_affected_rows` of an UPDATE, DELETE or MERGE.
    public var affectedRows: Int? {
        guard let index = columns.firstIndex(of: "num_affected_rows"), let first = rows.first, index < first.count else { return nil }
        return first[index].flatMap { Int($0) }
    }
}

/// Runs statements through the SQL Statement Execution API (`/api/2.0/sql/statements`), HTTP only.
///
/// Submits with `wait_timeout` and `on_wait_timeout=CONTINUE`, then polls with backoff until a terminal
/// state; reads every result chunk; cancels the statement when it outlives `statementTimeout` or the run is
/// cancelled or asked to stop. Requests answered 429, 503 or `TEMPORARILY_UNAVAILABLE`, and connection failures,
/// are retried with jittered backoff a bounded number of times, then reported as `.unavailable` (the run resumes
/// later); failures become `WarehouseError`s naming the statement's error.
public struct DatabricksStatementClient: Sendable {
    private let settings: DatabricksSettings
    private let httpClient: HTTPClient
    private let logger: Logger

    public init(settings: DatabricksSettings, httpClient: HTTPClient, logger: Logger) {
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
    }

    public func execute(
        _ statement: String, parameters: [DatabricksParameter] = [], catalog: String? = nil, schema: String? = nil, stop: StopSignal? = nil
    ) async throws(WarehouseError) -> DatabricksStatementResult {
        var body: [String: Any] = [
            "warehouse_id": settings.warehouseID, "statement": statement, "disposition": "INLINE", "format": "JSON_ARRAY",
            "wait_timeout": "\(settings.waitTimeout.components.seconds)s", "on_wait_timeout": "CONTINUE",
            "parameters": parameters.map { parameter -> [String: Any] in
                var entry: [String: Any] = ["name": parameter.name, "type": parameter.type]
                if let value = parameter.value { entry["value"] = value }
                return entry
            },
        ]
        if let catalog { body["catalog"] = catalog }
        if let schema { body["schema"] = schema }
        let deadline = ContinuousClock.now + settings.statementTimeout
        var response = try await request(.POST, "/api/2.0/sql/statements", body: body)
        guard let statementID = response["statement_id"] as? String else {
            throw WarehouseError(.statement, "Databricks answered without a statement_id: \(response)")
        }
        var delay = Duration.milliseconds(100)
        while true {
            let status = response["status"] as? [String: Any] ?? [:]
            let state = status["state"] as? String ?? "UNKNOWN"
            switch state {
            case "SUCCEEDED":
                return try await collect(response, statementID: statementID)
            case "FAILED":
                let error = status["error"] as? [String: Any] ?? [:]
                let code = error["error_code"] as? String ?? "UNKNOWN"
                let message = error["message"] as? String ?? "no message"
                throw WarehouseError(.statement, "Databricks statement failed (\(code)): \(message)")
            case "CANCELED", "CLOSED":
                throw WarehouseError(.statement, "Databricks statement \(statementID) ended \(state) before it finished")
            default:
                break
            }
            if ContinuousClock.now >= deadline {
                await cancel(statementID)
                throw WarehouseError(
                    .statement,
                    "Databricks statement \(statementID) was still \(state) after \(settings.statementTimeout) and was cancelled; check the "
                        + "SQL warehouse's load, or raise DBX_STATEMENT_TIMEOUT_SECONDS"
                )
            }
            if stop?.isStopped == true {
                await cancel(statementID)
                throw WarehouseError(
                    .interrupted, "Databricks statement \(statementID) was cancelled because the service is shutting down; the run resumes later")
            }
            do {
                try await Task.sleep(for: min(delay, deadline - ContinuousClock.now))
            } catch {
                await cancel(statementID)
                throw WarehouseError(
                    .interrupted, "Databricks statement \(statementID) was cancelled because the service is shutting down; the run resumes later")
            }
            delay = min(delay * 2, .seconds(2))
            response = try await request(.GET, "/api/2.0/sql/statements/\(statementID)")
        }
    }

    /// Every chunk of a succeeded statement's result.
    private func collect(_ response: [String: Any], statementID: String) async throws(WarehouseError) -> DatabricksStatementResult {
        let manifest = response["manifest"] as? [String: Any] ?? [:]
        let schema = manifest["schema"] as? [String: Any] ?? [:]
        let columns = (schema["columns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        var rows: [[String?]] = []
        var chunk = response["result"] as? [String: Any]
        while let current = chunk {
            for row in current["data_array"] as? [[Any]] ?? [] {
                rows.append(row.map { $0 as? String })
            }
            guard let link = current["next_chunk_internal_link"] as? String else { break }
            chunk = try await request(.GET, link)
        }
        return DatabricksStatementResult(statementID: statementID, columns: columns, rows: rows)
    }

    /// Best effort: asks Databricks to stop the statement. Runs to completion even when the caller is cancelled.
    private func cancel(_ statementID: String) async {
        do {
            var request = try HTTPClient.Request(url: settings.baseURL + "/api/2.0/sql/statements/\(statementID)/cancel", method: .POST)
            request.headers.add(name: "Authorization", value: "Bearer \(settings.token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .string("{}")
            // The future-based API is not tied to the (possibly cancelled) task.
            _ = try await httpClient.execute(request: request, deadline: .now() + .seconds(10)).get()
            logger.warning("cancelled Databricks statement", metadata: ["statement_id": "\(statementID)"])
        } catch {
            logger.error("could not cancel Databricks statement", metadata: ["statement_id": "\(statementID)", "error": "\(error)"])
        }
    }

    /// One API call with retries for connection failures, 429, 503 and TEMPORARILY_UNAVAILABLE.
    private func request(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws(WarehouseError) -> [String: Any] {
        let policy = RetryPolicy(backoff: Backoff(initial: .milliseconds(500), maximum: .seconds(8)), maxAttempts: settings.maxAttempts)
        do {
            return try await withRetry(
                policy,
                onRetry: { event in
                    Counter(label: "tokenize_databricks_retries_total", dimensions: [("operation", Self.operation(method, path))]).increment()
                    logger.warning("Databricks busy or unreachable; retrying", metadata: ["attempt": "\(event.attempt)", "error": "\(event.error)"])
                }
            ) {
                let (status, json) = try await send(method, path, body: body)
                if (200..<300).contains(status) { return json }
                let code = json["error_code"] as? String ?? "HTTP_\(status)"
                let message = json["message"] as? String ?? "no message"
                if status == 429 || status == 503 || code == "TEMPORARILY_UNAVAILABLE" {
                    throw WarehouseError(.unavailable, "Databricks is busy (\(status) \(code)): \(message); the run resumes later")
                }
                if status == 401 || status == 403 {
                    throw WarehouseError(.unauthorized, "Databricks rejected the credentials (\(status) \(code)): \(message); check DBX_TOKEN")
                }
                throw WarehouseError(.statement, "Databricks request failed (\(status) \(code)): \(message)")
            }
        } catch let error as WarehouseError {
            throw error
        } catch {
            throw WarehouseError(.interrupted, "Databricks request cancelled: \(error)")
        }
    }

    /// `submit`, `poll` or `cancel`: the statement API call, without the statement id (a metric label).
    static func operation(_ method: HTTPMethod, _ path: String) -> String {
        method == .POST ? (path.hasSuffix("/cancel") ? "cancel" : "submit") : "poll"
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [String: Any]?) async throws(WarehouseError) -> (Int, [String: Any]) {
        let started = ContinuousClock.now
        var outcome = "unreachable"
        defer {
            Timer(
                label: "tokenize_databricks_request_duration_seconds",
                dimensions: [("operation", Self.operation(method, path)), ("outcome", outcome)]
            )
            .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        }
        do {
            var request = HTTPClientRequest(url: settings.baseURL + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(settings.token)")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
            }
            let response = try await httpClient.execute(request, timeout: .seconds(70))
            let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
            outcome = "\(response.status.code / 100)xx"
            return (Int(response.status.code), json)
        } catch let error as WarehouseError {
            throw error
        } catch {
            throw WarehouseError(.unavailable, "cannot reach Databricks at \(settings.baseURL): \(error); check DBX_HOST")
        }
    }
}
