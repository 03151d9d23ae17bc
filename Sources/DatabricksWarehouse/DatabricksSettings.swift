import Foundation

/// Where and how to reach a Databricks SQL warehouse.
public struct DatabricksSettings: Sendable, Equatable {
    /// Base URL of the workspace, e.g. `https://dbc-1234.cloud.databricks.com` (from `DBX_HOST`).
    public var baseURL: String
    /// Personal access or OAuth token (`DBX_TOKEN`, secret).
    public var token: String
    /// The SQL warehouse id (`DBX_WAREHOUSE_ID`, or the last part of `DBX_HTTP_PATH`).
    public var warehouseID: String
    /// How long one statement may run before it is cancelled (default 10 minutes).
    public var statementTimeout: Duration
    /// How long the first request waits for the result before polling (`wait_timeout`, 0 or 5–50 s; default 10 s).
    public var waitTimeout: Duration
    /// Attempts for requests answered 429, 503 or TEMPORARILY_UNAVAILABLE (default 5).
    public var maxAttempts: Int
    /// `DBX_SECRET_SCOPE`: the Databricks secret scope holding the hmac pads (`tokenize-action keys
    /// export-databricks`); nil: the pads are statement parameters, and stay in the query history.
    public var secretScope: String?
    /// `DBX_PURGE_HISTORY`: what runs after a run changed rows (default `off`).
    public var purgeHistory: PurgeHistory
    /// `DBX_VACUUM_RETAIN_HOURS` (default 168, Delta's minimum without overriding its safety check).
    public var vacuumRetainHours: Int

    /// How much of a Delta table's history a run removes.
    public enum PurgeHistory: String, Sendable, CaseIterable {
        /// Nothing: the previous values stay readable through time travel until a VACUUM.
        case off
        /// `REORG TABLE … APPLY (PURGE)`: the current files hold no replaced rows.
        case reorg
        /// `reorg`, then `VACUUM … RETAIN <hours> HOURS`: files older than that go.
        case vacuum
    }

    public init(
        baseURL: String, token: String, warehouseID: String, statementTimeout: Duration = .seconds(600), waitTimeout: Duration = .seconds(10),
        maxAttempts: Int = 5, secretScope: String? = nil, purgeHistory: PurgeHistory = .off, vacuumRetainHours: Int = 168
    ) {
        self.purgeHistory = purgeHistory
        self.vacuumRetainHours = vacuumRetainHours
        self.secretScope = secretScope
        self.baseURL = baseURL
        self.token = token
        self.warehouseID = warehouseID
        self.statementTimeout = statementTimeout
        self.waitTimeout = waitTimeout
        self.maxAttempts = maxAttempts
    }

    /// Whether a name can be a Databricks secret scope (letters, digits, `_`, `-`, `.`, `@`; at most 128).
    public static func isValidScope(_ name: String) -> Bool {
        (1...128).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.@".unicodeScalars.contains($0)) }
    }

    /// `https://` + host unless the host already names a scheme; no trailing slash.
    public static func baseURL(host: String) -> String {
        var url = host.contains("://") ? host : "https://\(host)"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The warehouse id in an HTTP path like `/sql/1.0/warehouses/<id>` (or the older `/sql/1.0/endpoints/<id>`).
    public static func warehouseID(httpPath: String) -> String? {
        let parts = httpPath.split(separator: "/").map(String.init)
        guard parts.count >= 2, ["warehouses", "endpoints"].contains(parts[parts.count - 2]), !parts[parts.count - 1].isEmpty else {
            return nil
        }
        return parts[parts.count - 1]
    }

    /// Host, HTTP path and (when present) the `PWD` token of a JDBC URL such as
    /// `jdbc:databricks://HOST:443/default;transportMode=http;ssl=1;httpPath=/sql/1.0/warehouses/ID;AuthMech=3;UID=token;PWD=TOKEN`.
    public static func parseJDBC(_ url: String) -> (host: String, httpPath: String?, token: String?)? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let parts = rest.split(separator: ";", omittingEmptySubsequences: true)
        guard let authority = parts.first else { return nil }
        let host = authority.split(separator: "/").first.map { String($0.split(separator: ":").first ?? $0) } ?? ""
        guard !host.isEmpty else { return nil }
        var options: [String: String] = [:]
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else { continue }
            options[part[..<equals].lowercased()] = String(part[part.index(after: equals)...])
        }
        return (host, options["httppath"], options["pwd"])
    }
}
