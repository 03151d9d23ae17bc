import Catalog
import Runs

/// The body of `POST /trigger`: `{"dataset": URN, "columns": [names], "rekey": bool, "full_scan": bool}` (all but the
/// dataset optional; `full_scan`: the verification checks every row, not only those written since the last clean one).
/// Unknown fields are refused, so a typo never silently widens a destructive run.
public struct TriggerRequest: Decodable, Sendable, Equatable {
    public var dataset: String
    public var columns: [String]?
    public var rekey: Bool?
    public var fullScan: Bool?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case dataset, columns, rekey
        case fullScan = "full_scan"
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(dataset: String, columns: [String]? = nil, rekey: Bool? = nil, fullScan: Bool? = nil) {
        self.dataset = dataset
        self.columns = columns
        self.rekey = rekey
        self.fullScan = fullScan
    }

    public init(from decoder: any Decoder) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        let allowed = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = all.allKeys.map(\.stringValue).filter({ !allowed.contains($0) }).sorted().first {
            throw RunError(.invalidRequest, "unknown field \"\(unknown)\"; allowed: dataset, columns, rekey, full_scan")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let dataset = try? container.decode(String.self, forKey: .dataset) else {
            throw RunError(
                .invalidRequest,
                "\"dataset\" must be a dataset URN string, e.g. urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")
        }
        self.dataset = dataset
        do {
            columns = try container.decodeIfPresent([String].self, forKey: .columns)
        } catch {
            throw RunError(.invalidRequest, "\"columns\" must be an array of non-empty column names")
        }
        guard columns?.allSatisfy({ !$0.isEmpty }) ?? true else {
            throw RunError(.invalidRequest, "\"columns\" must be an array of non-empty column names")
        }
        do {
            rekey = try container.decodeIfPresent(Bool.self, forKey: .rekey)
        } catch {
            throw RunError(.invalidRequest, "\"rekey\" must be true or false")
        }
        do {
            fullScan = try container.decodeIfPresent(Bool.self, forKey: .fullScan)
        } catch {
            throw RunError(.invalidRequest, "\"full_scan\" must be true or false")
        }
    }

    /// The request as a run request, after checking the URN names a supported platform and a three-part table.
    /// `kind` is `.tokenize` for `POST /trigger`, `.verify` for `POST /verify`, `.plan` for `POST /plan` (rekey is
    /// refused on both of the latter).
    public func runRequest(supportedPlatforms: Set<String>, requestedBy: String?, kind: RunKind = .tokenize) throws(RunError) -> RunRequest {
        if kind == .verify, rekey == true { throw RunError(.invalidRequest, "\"rekey\" does not apply to a verification") }
        if kind == .plan, rekey == true { throw RunError(.invalidRequest, "\"rekey\" does not apply to a plan") }
        if kind == .plan, fullScan == true { throw RunError(.invalidRequest, "\"full_scan\" does not apply to a plan") }
        let urn = try DatasetURN.requested(dataset)
        guard supportedPlatforms.contains(urn.platform) else {
            throw RunError(
                .unsupportedPlatform, "platform '\(urn.platform)' is not supported; supported: \(supportedPlatforms.sorted().joined(separator: ", "))"
            )
        }
        _ = try urn.tableReference()
        return RunRequest(
            dataset: urn, scope: .request(columns: columns, rekey: rekey ?? false, kind: kind, fullScan: fullScan ?? false),
            source: .api, requestedBy: requestedBy)
    }
}
