import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import Runs

/// `tokenize-action runs`: recent runs, with the progress of running ones, from a running service's API.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List recent runs (status, progress, outcome) from the service's HTTP API.",
        discussion:
            "The bearer token (the TOKEN of a NAME=TOKEN line of API_TOKENS_FILE) is read from --token-file, else TOKENIZE_ACTION_TOKEN, "
            + "else API_TOKEN."
    )

    @Option(help: "The service's base URL (default: TOKENIZE_ACTION_URL, else http://127.0.0.1:$HTTP_PORT).")
    var url: String?

    @Option(help: "A file holding the bearer token.")
    var tokenFile: String?

    @Option(help: "Only runs with this status (RUNNING, FAILED, …).")
    var status: String?

    @Option(help: "Only runs of this dataset URN.")
    var dataset: String?

    @Option(help: "How many runs (1...1000).")
    var limit: Int = 20

    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let base = url ?? environment["TOKENIZE_ACTION_URL"] ?? "http://127.0.0.1:\(environment["HTTP_PORT"] ?? "8081")"
        var query = ["limit=\(limit)"]
        if let status { query.append("status=\(Self.escaped(status.uppercased()))") }
        if let dataset { query.append("dataset=\(Self.escaped(dataset))") }
        var request = HTTPClientRequest(url: "\(base)/runs?\(query.joined(separator: "&"))")
        if let token = try readToken(environment) { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let body: ByteBuffer
        let code: UInt
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            code = response.status.code
            body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            throw ValidationError("cannot reach \(base): \(error); is the service running (TOKENIZE_ACTION_URL)?")
        }
        let data = Data(body.readableBytesView)
        guard code == 200 else {
            throw ValidationError("\(base)/runs answered \(code): \(String(decoding: data, as: UTF8.self))")
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        struct RunList: Decodable { var runs: [RunRecord] }
        print(RunListing.render(try RunRecord.decoder().decode(RunList.self, from: data).runs))
    }

    private func readToken(_ environment: [String: String]) throws -> String? {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { throw ValidationError("cannot read \(tokenFile)") }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (environment["TOKENIZE_ACTION_TOKEN"] ?? environment["API_TOKEN"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
