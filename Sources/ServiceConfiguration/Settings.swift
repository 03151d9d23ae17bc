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
                "is required for TOKEN_SCHEME=\(scheme.rawValue): create a file with a line like k1=<output of `openssl rand -base64 32`> and point TOKEN_KEYS_FILE at it (or set TOKEN_SCHEME=poc, which is not secure)")
        }
        return TokenSettings(defaultScheme: scheme, keyring: keyring)
    }
}

/// The run ledger and the run worker.
public struct RunSettings: Sendable, Equatable {
    /// `TRIGGER_TAG` (default `tokenize/run`).
    public var triggerTag: TagURN
    /// `STATE_DATABASE`: where the ledger lives on `POSTGRES_HOST` (default: the maintenance database, `postgres`).
    public var stateDatabase: String
    /// `RECONCILE_INTERVAL` (default 10 min; `off` to disable): how often DataHub is searched for triggers the
    /// ledger misses, starting at startup.
    public var reconcileInterval: Duration?
    /// `MAX_CONCURRENT_RUNS` (4), `SHUTDOWN_GRACE_SECONDS` (25), `LEDGER_POLL_SECONDS` (2).
    public var worker: RunWorker.Settings
    /// `TOKENIZE_POLICY_FILE`: who may tokenize what; nil: anyone, anything (warned at startup).
    public var policy: TokenizePolicy?
    /// `APPROVAL_TAG` (default `tokenize/approve`): added by an approver to a dataset awaiting approval.
    public var approvalTag: TagURN
    /// `VERIFY_SAMPLE` (default 10 000): siv tokens per column the verification decrypts.
    public var verifySample: Int
    /// `VERIFY_INCREMENTAL` (true): after a clean verification, the next one of the same columns checks only the rows
    /// written since (PostgreSQL: by transaction id, where the recorded mark still stands); false: every row, always.
    public var verifyIncremental = true
    /// `VERIFY_INTERVAL` (default off): how often datasets tokenized before are verified again.
    public var verifyInterval: Duration?
    /// `PROGRESS_LOG_SECONDS` (10): how often a running run logs its progress.
    public var progressLogInterval: Duration = .seconds(10)
    /// `PROGRESS_DATAHUB_SECONDS` (30): how often a long run refreshes its documentation section in DataHub.
    public var progressDataHubInterval: Duration = .seconds(30)
    /// `PLAN_TAG` (default `tokenize/plan`): asks for a plan (dry run) of a dataset.
    public var planTag = TagURN("tokenize/plan")
    /// `SAMPLE_ROWS` (1,000): rows sampled per table for PII discovery.
    public var sampleRows = 1_000
    /// `SAMPLE_THRESHOLD` (0.8): the share of a column's sampled non-empty values that must validate as one kind.
    public var sampleThreshold = 0.8
    /// `DISCOVERY_IN_RUNS` (false): runs, not only plans, choose columns by value sampling when no tag decides.
    public var discoveryInRuns = false
    /// `DISCOVERY_TAG_FIELDS` (false): a plan tags the fields sampling found personal data in, `pii:<kind>`.
    public var discoveryTagFields = false
    /// `LINEAGE_DEPTH` (3; 0 turns it off): how many lineage hops a SUCCESS looks downstream for copies.
    public var lineageDepth = 3
    /// `PROPAGATE_DOWNSTREAM` (false): add `tokenize/run` to downstream copies' fields, where the policy allows it.
    public var propagateDownstream = false
    /// `PII_GLOSSARY_TERMS` (comma-separated; default: PII, Sensitive and the terms DataHub's classifier writes): glossary
    /// terms that mark a field as personal data, like a `pii` tag.
    public var piiGlossaryTerms: Set<String>? = nil
    /// `PLAN_COUNT_ROWS` (1,000,000): a plan counts every row of tables up to this size, and estimates above it.
    public var planCountRows = 1_000_000

    public init(
        triggerTag: TagURN, stateDatabase: String, reconcileInterval: Duration?, worker: RunWorker.Settings, policy: TokenizePolicy? = nil,
        approvalTag: TagURN = TagURN("tokenize/approve"), verifySample: Int = 10_000, verifyInterval: Duration? = nil
    ) {
        self.verifySample = verifySample
        self.verifyInterval = verifyInterval
        self.policy = policy
        self.approvalTag = approvalTag
        self.triggerTag = triggerTag
        self.stateDatabase = stateDatabase
        self.reconcileInterval = reconcileInterval
        self.worker = worker
    }
}
