import AccessControl
import Catalog
import DataHubClient
import Logging
import Runs
import Tokenization

/// How the service logs.
public struct LoggingSettings: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        /// One JSON object per line, metadata (run id, dataset…) as fields: for log collectors (the container default).
        case json
        /// Human-readable lines.
        case text
    }

    /// `LOG_LEVEL`: trace, debug, info (default), notice, warning, error, critical.
    public var level: Logger.Level
    /// `LOG_FORMAT`: `text` (default) or `json`.
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }
}

/// The HTTP API's address and callers.
public struct HTTPSettings: Sendable {
    /// `HTTP_HOST` (default `0.0.0.0`).
    public var host: String
    /// `HTTP_PORT` (default 8081).
    public var port: Int
    /// `API_TOKENS_FILE` (bearer tokens), or `HTTP_AUTH=off`; neither: the run routes answer 403.
    public var authentication: APIAuthentication

    public init(host: String = "0.0.0.0", port: Int = 8081, authentication: APIAuthentication = .unconfigured) {
        self.host = host
        self.port = port
        self.authentication = authentication
    }

    static func load(_ env: Environment) throws(ConfigurationError) -> HTTPSettings {
        let enabled = try env.flag("HTTP_AUTH", default: true)
        var authentication = APIAuthentication.unconfigured
        if let path = env["API_TOKENS_FILE"] {
            guard enabled else {
                throw ConfigurationError(.invalid, variable: "HTTP_AUTH", "is off while API_TOKENS_FILE is set; unset one of them")
            }
            do {
                authentication = .tokens(try APITokens.load(path: path))
            } catch {
                throw ConfigurationError(.invalid, variable: "API_TOKENS_FILE", error.message)
            }
        } else if !enabled {
            authentication = .disabled
        }
        return HTTPSettings(
            host: env["HTTP_HOST"] ?? "0.0.0.0", port: try env.integer("HTTP_PORT", default: 8081, range: 0...65535), authentication: authentication)
    }

    /// For the startup summary: `tokens(ops,ci)`, `off` or `unconfigured`.
    public var authenticationSummary: String {
        switch authentication {
        case .tokens(let tokens): "tokens(\(tokens.names.joined(separator: ",")))"
        case .disabled: "off"
        case .unconfigured: "unconfigured"
        }
    }
}

/// Token schemes and keys, shared by `serve`, `run` and the `tokenize`/`detokenize` commands.
public struct TokenSettings: Sendable {
    /// `TOKEN_SCHEME`: the scheme of columns without a `tokenize/scheme:<name>` tag. Default `hmac`.
    public var defaultScheme: TokenSchemeName
    /// The keys from `TOKEN_KEYS_FILE` (one `KEY_ID=BASE64_SECRET` per line, the last is the newest), if set.
    public var keyring: TokenKeyring?

    public init(defaultScheme: TokenSchemeName, keyring: TokenKeyring?) {
        self.defaultScheme = defaultScheme
        self.keyring = keyring
    }

    public var tokenizer: Tokenizer { Tokenizer(keyring: keyring) }

    /// Loads and checks the keys: a missing, malformed or short key stops startup with a message naming the line.
    public static func load(from env: Environment) throws(ConfigurationError) -> TokenSettings {
        let scheme = try env.choice("TOKEN_SCHEME", default: TokenSchemeName.hmac)
        var keyring: TokenKeyring? = nil
        if let path = env["TOKEN_KEYS_FILE"] {
            do {
                keyring = try TokenKeyring.load(path: path)
            } catch {
                throw ConfigurationError(.invalid, variable: "TOKEN_KEYS_FILE", error.message)
            }
        }
        if scheme != .poc, keyring == nil {
            throw ConfigurationError(
                .missing, variable: "TOKEN_KEYS_FILE",
                "is required for TOKEN_SCHEME=\(scheme.rawValue): create a file with a line like k1=<output of `openssl rand -base64 32`> "
                    + "and point TOKEN_KEYS_FILE at it (or set TOKEN_SCHEME=poc, which is not secure)"
            )
        }
        return TokenSettings(defaultScheme: scheme, keyring: keyring)
    }
}

/// The run ledger, the worker and the executor: each part's settings once (`RunWorker.Settings`,
/// `RunExecutor.Settings`, whose types hold the defaults), and what the ledger's services need besides.
public struct RunSettings: Sendable {
    /// `STATE_DATABASE`: where the ledger lives on `POSTGRES_HOST` (default: the maintenance database, `postgres`).
    public var stateDatabase = "postgres"
    /// `RECONCILE_INTERVAL` (default 10 min; `off` to disable): how often DataHub is searched for triggers the
    /// ledger misses, starting at startup.
    public var reconcileInterval: Duration? = .seconds(600)
    /// `VERIFY_INTERVAL` (default off): how often datasets tokenized before are verified again.
    public var verifyInterval: Duration?
    /// `TOKENIZE_POLICY_FILE`: who may tokenize what; nil: anyone, anything (warned at startup).
    public var policy: TokenizePolicy?
    /// `MAX_CONCURRENT_RUNS`, `SHUTDOWN_GRACE_SECONDS`, `LEDGER_POLL_SECONDS`.
    public var worker = RunWorker.Settings()
    /// The executor's settings (tags, verification, discovery, lineage, rehearsal, crash guard).
    public var executor = RunExecutor.Settings()

    public init() {}

    /// The tags runs act on.
    public var tags: ServiceTags { executor.tags }
}
