import Crypto
import Foundation

/// The callers of the HTTP API (`API_TOKENS_FILE`): one `NAME=TOKEN` per line, `#` comments and blank lines
/// ignored. A caller is known by its token's NAME (recorded as `requested_by: api:NAME` and matched by the
/// policy); tokens are never kept or compared as plain text.
public struct APITokens: Sendable, CustomStringConvertible {
    private struct Entry: Sendable {
        var name: String
        var digest: [UInt8]
    }

    private let entries: [Entry]

    /// The shortest token accepted (`openssl rand -hex 32` gives 64 characters).
    public static let minimumTokenLength = 24

    /// The callers' names, in file order.
    public var names: [String] { entries.map(\.name) }

    public var description: String { "APITokens(\(names.joined(separator: ", ")))" }

    /// Parses a tokens file's text; `source` names the file in error messages.
    public static func parse(_ text: String, source: String = "API_TOKENS_FILE") throws(AccessError) -> APITokens {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw AccessError(.apiTokensFile, "\(source) line \(lineNumber): expected NAME=TOKEN", line: lineNumber)
            }
            let name = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            let token = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            guard isValidName(name) else {
                throw AccessError(
                    .apiTokensFile, "\(source) line \(lineNumber): the name must be 1-64 letters, digits, '.', '_' or '-'", line: lineNumber)
            }
            guard token.count >= minimumTokenLength, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw AccessError(
                    .apiTokensFile,
                    "\(source) line \(lineNumber) (\(name)): the token must be at least \(minimumTokenLength) printable ASCII characters, "
                        + "e.g. `openssl rand -hex 32`",
                    line: lineNumber)
            }
            guard !entries.contains(where: { $0.name == name }) else {
                throw AccessError(.apiTokensFile, "\(source) line \(lineNumber): the name \(name) appears twice", line: lineNumber)
            }
            let digest = Array(SHA256.hash(data: Array(token.utf8)))
            guard !entries.contains(where: { $0.digest == digest }) else {
                throw AccessError(
                    .apiTokensFile, "\(source) line \(lineNumber) (\(name)): this token is already given to another name", line: lineNumber)
            }
            entries.append(Entry(name: name, digest: digest))
        }
        guard !entries.isEmpty else {
            throw AccessError(.apiTokensFile, "\(source) holds no tokens; add a line NAME=TOKEN (e.g. ops=$(openssl rand -hex 32))", line: nil)
        }
        return APITokens(entries: entries)
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(AccessError) -> APITokens {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw AccessError(.apiTokensFile, "API_TOKENS_FILE \(path) cannot be read; create it with lines NAME=TOKEN", line: nil)
        }
        return try parse(text, source: "API_TOKENS_FILE \(path)")
    }

    /// The name of the caller presenting `token`, or nil. Takes the same time whichever token matches, or
    /// none: the presented token is hashed once and compared with every entry's digest without stopping early.
    public func caller(presenting token: String) -> String? {
        let presented = Array(SHA256.hash(data: Array(token.utf8)))
        var match: String?
        for entry in entries {
            var difference: UInt8 = 0
            for index in 0..<presented.count { difference |= presented[index] ^ entry.digest[index] }
            if difference == 0 { match = entry.name }
        }
        return match
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }
}

/// How the HTTP API knows its callers (`API_TOKENS_FILE`, `HTTP_AUTH`).
public enum APIAuthentication: Sendable {
    /// Bearer tokens from `API_TOKENS_FILE`.
    case tokens(APITokens)
    /// `HTTP_AUTH=off`: no credential asked for (local experiments only).
    case disabled
    /// Neither: triggers and run lookups are refused until tokens are configured (secure by default).
    case unconfigured
}
