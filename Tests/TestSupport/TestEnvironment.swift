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
        let candidate = ProcessInfo.processInfo.environment["SHARED_DIR"].map { URL(fileURLWithPath: $0) }
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
