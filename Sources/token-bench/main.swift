import Dispatch
import Foundation
import Tokenization
import WarehouseKit

/// Micro-benchmark of the in-service schemes: CPU time per token on one thread, and the wall time of one
/// batch's cell decisions spread over the cores the service uses. Prints one JSON object per line for
/// `bench/bench.py`. Run with a release build: `swift run -c release token-bench [values] [rounds]`.

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let valueCount = arguments.first ?? 200_000
let rounds = arguments.dropFirst().first ?? 3

let key = TokenKey(id: "bench", secret: (0..<32).map { UInt8($0 &* 7 &+ 3) })
let tokenizer = Tokenizer(keyring: TokenKeyring(keys: [key]))
let emails = (0..<valueCount).map { "person.\($0)@example.com" }
let phones = (0..<valueCount).map { String(format: "+44 20 %04d %04d", ($0 / 10_000) % 10_000, $0 % 10_000) }

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func wallSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Runs `body` once per value and prints the CPU microseconds per value for each round.
func measure(_ name: String, _ values: [String], _ body: (String) throws -> Void) rethrows {
    for round in 1...rounds {
        let start = cpuSeconds()
        for value in values { try body(value) }
        let perValue = (cpuSeconds() - start) / Double(values.count) * 1e6
        print(#"{"bench": "\#(name)", "round": \#(round), "values": \#(values.count), "cpu_us_per_value": \#(perValue)}"#)
    }
}

try measure("hmac token", emails) { _ = try tokenizer.token(for: $0, scheme: .hmac) }
try measure("siv token", emails) { _ = try tokenizer.token(for: $0, scheme: .siv) }
try measure("ff1 token (email)", emails) { _ = try tokenizer.token(for: $0, scheme: .ff1) }
try measure("ff1 token (phone)", phones) { _ = try tokenizer.token(for: $0, scheme: .ff1) }
let sivTokens = try emails.map { try tokenizer.token(for: $0, scheme: .siv) }
measure("siv recognition (token)", sivTokens) { _ = tokenizer.recognize($0, scheme: .siv) }
measure("siv recognition (plaintext)", emails) { _ = tokenizer.recognize($0, scheme: .siv) }

// One batch's decisions, the way ServiceSideBatches makes them: on one thread, then on every core.
let batch = Array(emails.prefix(10_000))
for scheme in [TokenSchemeName.siv, .ff1] {
    for round in 1...rounds {
        var start = wallSeconds()
        _ = try await CellDecisions.decide(
            batch.map { [$0] }, schemes: [scheme], tokenizer: tokenizer, mode: .tokenize, ledger: { @Sendable _, _ in nil }, parallelism: 1)
        let serial = wallSeconds() - start
        start = wallSeconds()
        _ = try await CellDecisions.decide(
            batch.map { [$0] }, schemes: [scheme], tokenizer: tokenizer, mode: .tokenize, ledger: { @Sendable _, _ in nil },
            parallelism: CellDecisions.defaultParallelism)
        let parallel = wallSeconds() - start
        let figures = #""serial_s": \#(serial), "parallel_s": \#(parallel), "threads": \#(CellDecisions.defaultParallelism)"#
        print(#"{"bench": "\#(scheme.rawValue) batch of \#(batch.count)", "round": \#(round), \#(figures)}"#)
    }
}
