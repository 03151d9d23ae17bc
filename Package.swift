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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL", from: "4.3.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // C shims
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CAvro", pkgConfig: "avro-c",
            providers: [.apt(["libavro-dev"])]),

        // Kafka: owned librdkafka consumer/producer and the mock cluster.
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // MCL decoding: Confluent framing, schema registry, avro-c, trigger detection.
        .target(
            name: "MCL",
            dependencies: [
                "CAvro",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Token schemes (pure): poc, hmac, AES-SIV (RFC 5297), FF1 (NIST SP 800-38G), the key ring.
        .target(
            name: "Tokenization",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]),
        // The warehouse abstraction shared by Postgres (and later Databricks).
        .target(name: "WarehouseKit", dependencies: ["Tokenization"]),
        // PostgreSQL warehouse: catalog checks, batched push-down updates.
        .target(
            name: "PostgresWarehouse",
            dependencies: [
                "Tokenization", "WarehouseKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Databricks: the SQL Statement Execution API (HTTP only), push-down UPDATEs.
        .target(
            name: "DatabricksWarehouse",
            dependencies: [
                "Tokenization", "WarehouseKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // DataHub GraphQL client and write-back logic.
        .target(
            name: "DataHubClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Runs: run records, RunManager actor, column resolution.
        .target(
            name: "Runs",
            dependencies: [
                "Tokenization", "WarehouseKit", "DataHubClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        // The application: configuration, services, HTTP API.
        .target(
            name: "TokenizeActionCore",
            dependencies: [
                "Kafka", "MCL", "Runs", "PostgresWarehouse", "DatabricksWarehouse", "DataHubClient", "WarehouseKit", "Tokenization",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .executableTarget(
            name: "tokenize-action",
            dependencies: [
                "TokenizeActionCore", "Tokenization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        .executableTarget(name: "mock-kafka-broker", dependencies: ["CRdKafka"]),

        // Test helpers: locating ../shared and the CI policy (never skip under CI=true).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MCLTests", dependencies: ["MCL", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka"]),
        .testTarget(name: "AppTests", dependencies: ["TokenizeActionCore", "Runs", "DatabricksWarehouse"]),
        .testTarget(
            name: "TokenizationTests",
            dependencies: ["Tokenization", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "RunsTests", dependencies: ["Runs", "WarehouseKit", "DataHubClient", "Tokenization"]),
        .testTarget(name: "DatabricksWarehouseTests", dependencies: ["DatabricksWarehouse", "WarehouseKit", "Tokenization"]),
        .testTarget(
            name: "DataHubClientTests",
            dependencies: ["DataHubClient", "TestSupport", .product(name: "GraphQL", package: "GraphQL")]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "TokenizeActionCore", "Kafka", "MCL", "PostgresWarehouse", "DatabricksWarehouse", "Tokenization", "Runs", "WarehouseKit", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
    ]
)
