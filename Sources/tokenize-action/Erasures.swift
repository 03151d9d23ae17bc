import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The service's API as the erasure verbs reach it: its URL and the caller's bearer token.
struct APIConnection: ParsableArguments {
    @Option(help: "The service's base URL (default: TOKENIZE_ACTION_URL, else http://127.0.0.1:$HTTP_PORT).")
    var url: String?

    @Option(help: "A file holding the bearer token (default: TOKENIZE_ACTION_TOKEN, else API_TOKEN).")
    var tokenFile: String?

    /// Sends one request; returns the status and the body. An unreachable service is a one-line error.
    func call(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> (UInt, Data) {
        let environment = ProcessInfo.processInfo.environment
        let base = url ?? environment["TOKENIZE_ACTION_URL"] ?? "http://127.0.0.1:\(environment["HTTP_PORT"] ?? "8081")"
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { throw ValidationError("cannot read \(tokenFile)") }
            request.headers.add(name: "Authorization", value: "Bearer \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        } else if let token = (environment["TOKENIZE_ACTION_TOKEN"] ?? environment["API_TOKEN"]), !token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let data = try await response.body.collect(upTo: 16 * 1024 * 1024)
            return (response.status.code, Data(data.readableBytesView))
        } catch {
            throw ValidationError("cannot reach \(base): \(error); is the service running (TOKENIZE_ACTION_URL)?")
        }
    }

    /// Prints the body of a successful answer; any other status is an error with the API's message.
    func print(_ answer: (UInt, Data), accepting codes: Set<UInt> = [200, 202]) throws {
        let text = String(decoding: answer.1, as: UTF8.self)
        guard codes.contains(answer.0) else { throw ValidationError("the service answered \(answer.0): \(text)") }
        Swift.print(text)
    }
}

/// `tokenize-action erasures`: erasure requests through the service's API.
struct ErasuresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erasures", abstract: "File, list, decide and fetch the receipts of erasure requests (the service's HTTP API).",
        subcommands: [Submit.self, List.self, Show.self, Approve.self, Reject.self, Receipt.self])

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "File a request to erase one person's data everywhere DataHub knows it.")
        @OptionGroup var api: APIConnection
        @Option(name: .customLong("identifier"), help: "KIND=VALUE, e.g. email=alice@example.com (repeatable).")
        var identifiers: [String]
        @Option(help: "Why (e.g. GDPR Art. 17 request).") var reason: String
        @Option(help: "Who asked (the data subject, their agent).") var requester: String
        @Option(help: "The system the request comes from.") var source: String
        @Option(help: "The request's id in that system (a second request with the same source and id is not queued).") var sourceId: String
        @Option(help: "RFC 3339 due date (default: received + ERASURE_DUE_DAYS).") var due: String?

        func run() async throws {
            let pairs = try identifiers.map { text -> [String: String] in
                guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--identifier must be KIND=VALUE, not \(text)") }
                return ["kind": String(text[..<equals]), "value": String(text[text.index(after: equals)...])]
            }
            var body: [String: Any] = ["identifiers": pairs, "reason": reason, "requester": requester, "source": source, "source_id": sourceId]
            if let due { body["due_at"] = due }
            try api.print(try await api.call(.POST, "/erasures", body: body))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List requests by due date.")
        @OptionGroup var api: APIConnection
        @Option(help: "AWAITING_APPROVAL, OPEN, COMPLETE or REJECTED.") var status: String?
        @Option(help: "Only requests due before this RFC 3339 time.") var dueBefore: String?
        @Option(help: "How many (1...1000).") var limit = 100

        func run() async throws {
            var query = ["limit=\(limit)"]
            if let status { query.append("status=\(RunsCommand.escaped(status.uppercased()))") }
            if let dueBefore { query.append("due_before=\(RunsCommand.escaped(dueBefore))") }
            try api.print(try await api.call(.GET, "/erasures?" + query.joined(separator: "&")))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One request with each destination's state.")
        @OptionGroup var api: APIConnection
        @Argument var id: String
        @Flag(help: "Its audit trail instead.") var events = false

        func run() async throws {
            try api.print(try await api.call(.GET, "/erasures/\(RunsCommand.escaped(id))\(events ? "/events" : "")"))
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a request awaiting approval (not your own).")
        @OptionGroup var api: APIConnection
        @Argument var id: String

        func run() async throws { try api.print(try await api.call(.POST, "/erasures/\(RunsCommand.escaped(id))/approve", body: [:])) }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a request before anything was erased, with a reason.")
        @OptionGroup var api: APIConnection
        @Argument var id: String
        @Option(help: "Why.") var reason: String

        func run() async throws {
            try api.print(try await api.call(.POST, "/erasures/\(RunsCommand.escaped(id))/reject", body: ["reason": reason]))
        }
    }

    struct Receipt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The signed receipt of a complete request (check it with: receipt verify).")
        @OptionGroup var api: APIConnection
        @Argument var id: String
        @Option(name: .shortAndLong, help: "Write it to this file instead of printing it.") var output: String?

        func run() async throws {
            let (code, data) = try await api.call(.GET, "/erasures/\(RunsCommand.escaped(id))/receipt")
            guard code == 200 else { throw ValidationError("the service answered \(code): \(String(decoding: data, as: UTF8.self))") }
            if let output { try data.write(to: URL(fileURLWithPath: output)) } else { print(String(decoding: data, as: UTF8.self)) }
        }
    }
}
