import Foundation

/// Where tests find optional inputs, and the rule that nothing may skip silently under `CI=true`.
public enum TestEnvironment {
    /// Whether this is a CI run, where a missing service or reference file is a failure.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The package's root directory.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `../shared` beside the checkout (or `SHARED_DIR`), holding DataHub's reference schemas, when present.
    public static var sharedDirectory: URL? {
        let candidate =
            ProcessInfo.processInfo.environment["SHARED_DIR"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: candidate.appendingPathComponent("datahub").path) ? candidate : nil
    }

    /// Whether tests needing `../shared` run: when it exists, and always under CI (where its absence fails).
    public static var sharedTestsEnabled: Bool { isCI || sharedDirectory != nil }

    /// Whether tests needing the local stack's PostgreSQL run: when `POSTGRES_PORT` is set, and always under CI.
    public static var postgresTestsEnabled: Bool { isCI || ProcessInfo.processInfo.environment["POSTGRES_PORT"] != nil }

    /// Reads a file under `../shared/datahub`.
    public static func sharedFile(_ relativePath: String) throws -> Data {
        guard let shared = sharedDirectory else {
            throw MissingInput(description: "../shared/datahub is missing (set SHARED_DIR); CI must provide it")
        }
        return try Data(contentsOf: shared.appendingPathComponent("datahub").appendingPathComponent(relativePath))
    }

    public struct MissingInput: Error, CustomStringConvertible {
        public var description: String
    }
}

/// A seeded generator (SplitMix64), so randomised tests can print their seed and be replayed exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A fresh seed, from `TEST_SEED` when set (to replay a failure), else random.
    public static func seedForThisRun() -> UInt64 {
        ProcessInfo.processInfo.environment["TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
