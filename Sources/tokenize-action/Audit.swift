import App
import ArgumentParser
import Foundation
import Runs
import ServiceConfiguration

/// `tokenize-action audit …`: the runs' hash-chained audit trail.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check or export the audit trail (tokenize_action.run_events).", subcommands: [AuditVerify.self, AuditExport.self])
}

/// Parses `--since`: an ISO 8601 date or date-time (UTC when no zone is given).
func parseSince(_ text: String?) throws -> Date {
    guard let text else { return Date(timeIntervalSince1970: 0) }
    let full = ISO8601DateFormatter()
    full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let plain = ISO8601DateFormatter()
    let day = ISO8601DateFormatter()
    day.formatOptions = [.withFullDate]
    guard let date = full.date(from: text) ?? plain.date(from: text) ?? day.date(from: text) else {
        throw ValidationError("--since '\(text)' is not an ISO 8601 date, e.g. 2026-11-01 or 2026-11-01T00:00:00Z")
    }
    return date
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check every run's hash chain (or one run's); exit status 1 and the problems when one is broken.")

    @Option(name: .long, help: "One run's id.")
    var runId: String?

    @Option(name: .long, help: "Only events recorded since this date (ISO 8601); default: all.")
    var since: String?

    func run() async throws {
        let configuration = try loadConfiguration(for: .command)
        let events = try await Commands.auditEvents(
            configuration: configuration, runID: runId, since: try parseSince(since), logger: bootstrapLogging(configuration.logging))
        let byRun = Dictionary(grouping: events, by: \.runID)
        // A window that starts inside a run's trail is checked from its first event in the window.
        let problems = byRun.keys.sorted().flatMap { runID -> [String] in
            let trail = byRun[runID, default: []].sorted { $0.sequence < $1.sequence }
            guard since != nil, let first = trail.first, first.sequence > 1 else { return AuditChain.problems(trail) }
            return AuditChain.problems(from: first, trail)
        }
        if problems.isEmpty {
            print("audit trail intact: \(events.count) events of \(byRun.count) runs")
            return
        }
        for problem in problems { print(problem) }
        throw ExitCode(1)
    }
}

struct AuditExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print the audit events recorded since a date as JSON lines (oldest first).")

    @Option(name: .long, help: "ISO 8601 date or date-time (default: everything).")
    var since: String?

    func run() async throws {
        let configuration = try loadConfiguration(for: .command)
        let events = try await Commands.auditEvents(
            configuration: configuration, runID: nil, since: try parseSince(since), logger: bootstrapLogging(configuration.logging))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for event in events { print(String(decoding: try encoder.encode(event), as: UTF8.self)) }
    }
}
