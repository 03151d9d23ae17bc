import DatabricksWarehouse

extension AppConfiguration {
    /// `DBX_HOST`, `DBX_TOKEN` (or `DBX_TOKEN_FILE`), and `DBX_WAREHOUSE_ID` or `DBX_HTTP_PATH`; `DBX_JDBC_URL`
    /// is accepted for compatibility (host, httpPath and PWD are read from it). None set: nil.
    static func loadDatabricks(_ env: Environment) throws(ConfigurationError) -> DatabricksSettings? {
        let jdbc = try env["DBX_JDBC_URL"].map { url throws(ConfigurationError) in
            guard let parsed = DatabricksSettings.parseJDBC(url) else {
                throw ConfigurationError(
                    .invalid, variable: "DBX_JDBC_URL",
                    "cannot read a host from it; expected jdbc:databricks://HOST:443/default;httpPath=/sql/1.0/warehouses/ID;...")
            }
            return parsed
        }
        let host = env["DBX_HOST"] ?? jdbc?.host
        let token = try env.secret("DBX_TOKEN") ?? jdbc?.token
        let httpPath = env["DBX_HTTP_PATH"] ?? jdbc?.httpPath
        let configured = [host, token, httpPath, env["DBX_WAREHOUSE_ID"]].contains { $0 != nil }
        guard configured else { return nil }
        guard let host else {
            throw ConfigurationError(.missing, variable: "DBX_HOST", "is required when Databricks is configured, e.g. dbc-1234.cloud.databricks.com")
        }
        guard let token else {
            throw ConfigurationError(
                .missing, variable: "DBX_TOKEN", "is required when Databricks is configured (a personal access token; or DBX_TOKEN_FILE)")
        }
        var warehouseID = env["DBX_WAREHOUSE_ID"]
        if warehouseID == nil, let httpPath {
            guard let id = DatabricksSettings.warehouseID(httpPath: httpPath) else {
                throw ConfigurationError(.invalid, variable: "DBX_HTTP_PATH", "'\(httpPath)' is not /sql/1.0/warehouses/<id>")
            }
            warehouseID = id
        }
        guard let warehouseID else {
            throw ConfigurationError(
                .missing, variable: "DBX_WAREHOUSE_ID", "is required when Databricks is configured (or DBX_HTTP_PATH=/sql/1.0/warehouses/<id>)")
        }
        let timeout = try env.integer("DBX_STATEMENT_TIMEOUT_SECONDS", default: 600, range: 1...86_400)
        let scope = env["DBX_SECRET_SCOPE"]
        if let scope, !DatabricksSettings.isValidScope(scope) {
            throw ConfigurationError(
                .invalid, variable: "DBX_SECRET_SCOPE", "'\(scope)' is not a secret scope name (letters, digits, _ - . @; at most 128)")
        }
        return DatabricksSettings(
            baseURL: DatabricksSettings.baseURL(host: host), token: token, warehouseID: warehouseID, statementTimeout: .seconds(timeout),
            secretScope: scope, purgeHistory: try env.choice("DBX_PURGE_HISTORY", default: DatabricksSettings.PurgeHistory.off),
            vacuumRetainHours: try env.integer("DBX_VACUUM_RETAIN_HOURS", default: 168, range: 0...87_600))
    }
}
