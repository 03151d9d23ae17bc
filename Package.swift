// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tokenize-action",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tokenize-action", targets: ["tokenize-action"]),
        .executable(name: "mock-kafka-broker", targets: ["mock-kafka-broker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL", from: "4.3.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C shims
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),

        // The one error shape (code, message, context, transient or not) and retry with backoff.
        .target(name: "Resilience"),
        // JSON values and a strict parser (DataHub's aspect JSON rules).
        .target(name: "JSON"),
        // Avro binary decoding in Swift, driven by the writer schema and bounded by the body's size.
        .target(name: "Avro", dependencies: ["JSON", "Resilience"]),
        // Kafka's plain values, pure: a topic partition and a message's position (shared with the run ledger).
        .target(name: "KafkaModel"),
        // Kafka: the librdkafka consumer (poll thread, lifecycle state machine, offset tracking).
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka", "KafkaModel", "Resilience", "JSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The catalog port, pure: tags, datasets as the service reads them, and what it asks of DataHub.
        .target(name: "Catalog", dependencies: ["Resilience"]),
        // Kafka for tests and the local stack: librdkafka's mock cluster and a producer.
        .target(name: "KafkaTesting", dependencies: ["CRdKafka", "Kafka"]),
        // MCL decoding: Confluent framing, the schema registry, writer-schema projection, trigger detection.
        .target(
            name: "MCL",
            dependencies: [
                "Avro", "JSON", "Catalog", "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        // AES encryption with the processor's AES instructions and a key schedule computed once (x86-64 AES-NI).
        .target(name: "CAESHardware"),
        // Token schemes (pure): poc, hmac, AES-SIV (RFC 5297), FF1 (NIST SP 800-38G), the key ring.
        .target(
            name: "Tokenization",
            dependencies: [
                "CAESHardware", "Resilience",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]),
        // Who may do what (pure): API tokens (constant-time), the tokenize policy (datasets, principals, schemes,
        // rekey, four-eyes approval) read from YAML with line-numbered errors.
        .target(
            name: "AccessControl",
            dependencies: [
                "Tokenization", "WarehouseKit", "Resilience",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]),
        // PII discovery (pure): validators (Luhn, mod-97, SSA rules, calendar dates, RFC 5322, IPv4/6, E.164) and the
        // classifier that turns a column's sampled values into counts and a proposed kind, never keeping a value.
        .target(name: "Discovery"),
        // The warehouse abstraction shared by Postgres (and later Databricks).
        .target(name: "WarehouseKit", dependencies: ["Tokenization", "Resilience"]),
        // PostgreSQL connectivity shared by the warehouse and the run ledger: settings (TLS), pools, failures.
        .target(
            name: "PostgresSupport",
            dependencies: [
                "Resilience",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // PostgreSQL warehouse: catalog checks, resumable push-down and in-service batches.
        .target(
            name: "PostgresWarehouse",
            dependencies: [
                "Tokenization", "WarehouseKit", "PostgresSupport", "Resilience",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Databricks: the SQL Statement Execution API (HTTP only), push-down UPDATEs.
        .target(
            name: "DatabricksWarehouse",
            dependencies: [
                "Tokenization", "WarehouseKit", "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        // The catalog port over DataHub's GraphQL API (GMS): documents, the client, the operations.
        .target(
            name: "DataHubClient",
            dependencies: [
                "Catalog", "JSON", "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Runs: the run model, column resolution, the executor, the write-back outbox, the worker and its
        // scheduler, reconciliation. Storage is behind `RunStore` (PostgreSQL in RunLedger).
        .target(
            name: "Runs",
            dependencies: [
                "AccessControl", "Discovery", "Tokenization", "WarehouseKit", "Catalog", "KafkaModel", "Resilience",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Erasure requests: intake (sealed identifiers), resolution through DataHub, erasure per destination in
        // batches, verification, signed receipts, the worker. Storage is behind `ErasureStore` (RunLedger).
        .target(
            name: "Erasures",
            dependencies: [
                "AccessControl", "Catalog", "Runs", "Tokenization", "WarehouseKit", "Resilience",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The service's state in PostgreSQL: migrations, the run ledger, dataset locks, dead letters.
        .target(
            name: "RunLedger",
            dependencies: [
                "Runs", "Erasures", "Catalog", "PostgresSupport", "WarehouseKit", "Tokenization", "Resilience",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Configuration: typed settings for every part, built once from the environment.
        .target(
            name: "ServiceConfiguration",
            dependencies: [
                "AccessControl", "Kafka", "MCL", "Catalog", "DataHubClient", "PostgresSupport", "PostgresWarehouse", "DatabricksWarehouse",
                "Tokenization", "Runs", "Erasures", "Resilience",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The HTTP API (Hummingbird): triggers, run lookups, health, readiness, metrics.
        .target(
            name: "HTTPAPI",
            dependencies: [
                "Runs", "Erasures", "Catalog", "AccessControl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        // The application: wiring (one ServiceGroup), the Kafka router, logging, the one-off commands' engine.
        .target(
            name: "App",
            dependencies: [
                "ServiceConfiguration", "HTTPAPI", "Kafka", "MCL", "Runs", "Erasures", "AccessControl", "RunLedger", "PostgresSupport",
                "PostgresWarehouse", "DatabricksWarehouse",
                "Catalog", "DataHubClient", "WarehouseKit", "Tokenization", "Resilience",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .executableTarget(
            name: "tokenize-action",
            dependencies: [
                "App", "Catalog", "PostgresSupport", "DatabricksWarehouse", "ServiceConfiguration", "Runs", "Erasures", "RunLedger", "Tokenization",
                "WarehouseKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "mock-kafka-broker", dependencies: ["KafkaTesting"]),
        // Values classified as PII discovery does, for make discovery-bench's public corpora.
        .executableTarget(name: "discovery-bench", dependencies: ["Discovery"]),
        // CPU per token of each scheme and of a batch's cell decisions (make bench; release build).
        .executableTarget(name: "token-bench", dependencies: ["Tokenization", "WarehouseKit"]),

        // Test helpers: locating ../shared and the CI policy (never skip under CI=true).
        .target(
            name: "TestSupport",
            dependencies: [
                "AccessControl", "Runs", "Erasures", "Catalog", "KafkaModel", "WarehouseKit", "Tokenization",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "MCLTests",
            dependencies: [
                "MCL", "Avro", "JSON", "Catalog", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "KafkaTests",
            dependencies: [
                "Kafka", "KafkaTesting", "JSON", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "ServiceConfiguration", "HTTPAPI", "Runs", "Erasures", "Tokenization", "MCL", "Kafka", "Catalog", "DataHubClient",
                "DatabricksWarehouse",
                "PostgresSupport", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ]),
        .testTarget(name: "AccessControlTests", dependencies: ["AccessControl", "Tokenization"]),
        .testTarget(name: "ResilienceTests", dependencies: ["Resilience"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog"]),
        .testTarget(
            name: "TokenizationTests",
            dependencies: [
                "Tokenization", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]),
        .testTarget(name: "DiscoveryTests", dependencies: ["Discovery"]),
        .testTarget(
            name: "ErasuresTests",
            dependencies: [
                "Erasures", "AccessControl", "Catalog", "Runs", "Tokenization", "WarehouseKit", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "WarehouseKitTests",
            dependencies: ["WarehouseKit", "Tokenization", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "RunsTests",
            dependencies: [
                "AccessControl", "Runs", "WarehouseKit", "Catalog", "KafkaModel", "Tokenization", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "DatabricksWarehouseTests", dependencies: ["DatabricksWarehouse", "WarehouseKit", "Tokenization"]),
        .testTarget(
            name: "DataHubClientTests",
            dependencies: [
                "Catalog", "DataHubClient", "JSON", "Resilience", "TestSupport", .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "RunLedger", "Catalog", "KafkaModel", "PostgresSupport", "PostgresWarehouse", "DatabricksWarehouse", "Tokenization", "Runs",
                "WarehouseKit", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)
