import AccessControl
import Catalog
import Runs
import WarehouseKit

/// Where DataHub says a person's identifiers are: the datasets with a field tagged `pii:<kind>` for a kind the request
/// names (tags put by stewards, or by plans from confirmed discovery findings) or carrying one of the kind's glossary
/// terms (policy `erasure.terms`), then their downstream copies from lineage, matched through column-level lineage or,
/// without it, by the same column name.
public struct DestinationResolver: Sendable {
    let catalog: any DataHubCatalog
    let policy: ErasurePolicy
    /// Hops of lineage followed from each tagged dataset (0: none).
    let lineageDepth: Int
    /// The schemes of a dataset's tokenized columns, as its last successful run left them (empty: plaintext).
    let tokenized: @Sendable (DatasetURN) async -> [String: String]

    public init(
        catalog: any DataHubCatalog, policy: ErasurePolicy, lineageDepth: Int, tokenized: @escaping @Sendable (DatasetURN) async -> [String: String]
    ) {
        self.catalog = catalog
        self.policy = policy
        self.lineageDepth = lineageDepth
        self.tokenized = tokenized
    }

    /// The destinations of a request for `kinds`, sorted by dataset. DataHub unavailable: thrown (the request retries).
    public func resolve(_ kinds: [IdentifierKind]) async throws(ErasureError) -> [ErasureDestination] {
        var found: [DatasetURN: ErasureDestination] = [:]
        do {
            for kind in kinds {
                let terms = policy.terms[kind.rawValue] ?? []
                // A field's terms are known by name (the URN's last part, or the term's display name).
                let termNames = Set(terms.map { String($0.dropFirst("urn:li:glossaryTerm:".count)) })
                let tagged = try await catalog.datasets(taggedWith: kind.tag).datasets
                let termed = terms.isEmpty ? [] : try await catalog.datasets(withGlossaryTerms: terms).datasets
                for urn in Set(tagged + termed).sorted() {
                    guard let snapshot = try await catalog.dataset(urn) else { continue }
                    let holds = snapshot.fields.filter { $0.tags.contains(kind.tag) || !$0.glossaryTerms.isDisjoint(with: termNames) }
                    let match = holds.map { ColumnResolver.columnName(fieldPath: $0.fieldPath) }
                    let cells = snapshot.fields.filter { $0.tags.contains(where: ColumnResolver.isPIITag) }.map {
                        ColumnResolver.columnName(fieldPath: $0.fieldPath)
                    }
                    var destination = found[urn] ?? makeDestination(urn, via: "")
                    if match.isEmpty {
                        destination.state = .unreachable
                        destination.error =
                            "\(kind.tag.name) (or the kind's term) is on the dataset, not on the field that holds it: mark that field in DataHub "
                            + "so the person's rows can be found"
                    }
                    let byTag = holds.contains { $0.tags.contains(kind.tag) } || match.isEmpty
                    let byTerm = holds.flatMap { $0.glossaryTerms.intersection(termNames) }
                    let marks = (byTag ? ["tag \(kind.tag.name)"] : []) + Set(byTerm).sorted().map { "term \($0)" }
                    destination.add(
                        kind: kind, match: match, cells: cells + match,
                        via: "\(marks.joined(separator: ", ")) on \(match.isEmpty ? "the dataset" : match.joined(separator: ", "))")
                    found[urn] = destination
                }
            }
            if lineageDepth > 0 {
                for source in found.values.sorted(by: { $0.dataset < $1.dataset }) where !source.match.isEmpty {
                    for copy in try await catalog.downstreams(of: source.dataset, depth: lineageDepth) {
                        let columns = copy.fieldPaths.map(ColumnResolver.columnName(fieldPath:))
                        let viaEdges = copy.edges.filter { source.match.contains(ColumnResolver.columnName(fieldPath: $0.upstreamField)) }
                            .map { ColumnResolver.columnName(fieldPath: $0.downstreamField) }
                        let match = viaEdges.isEmpty ? source.match.filter(columns.contains) : viaEdges
                        guard !match.isEmpty else { continue }
                        var destination = found[copy.urn] ?? makeDestination(copy.urn, via: "")
                        destination.add(
                            kinds: source.kinds, match: match, cells: match,
                            via: "lineage from \(source.dataset) (\(viaEdges.isEmpty ? "same column names" : "column lineage"))")
                        found[copy.urn] = destination
                    }
                }
            }
        } catch {
            throw ErasureError(.unavailable, "DataHub did not say where the person's data is: \(error.message); the request is planned again")
        }
        var destinations: [ErasureDestination] = []
        for var destination in found.values.sorted(by: { $0.dataset < $1.dataset }) {
            let schemes = await tokenized(destination.dataset)
            let held = destination.match.compactMap { column in schemes[column].map { "\(column): \($0) tokens" } }
            destination.holds = held.isEmpty ? "plaintext (no successful run on record)" : held.joined(separator: ", ")
            destinations.append(destination)
        }
        return destinations
    }

    private func makeDestination(_ urn: DatasetURN, via: String) -> ErasureDestination {
        let effect: ErasureEffect
        if let table = try? urn.tableReference() {
            effect = policy.effect(for: DatasetName(platform: urn.platform, database: table.database, schema: table.schema, table: table.table))
        } else {
            effect = policy.defaultEffect
        }
        return ErasureDestination(dataset: urn, match: [], cells: [], kinds: [], effect: effect, via: via, holds: "")
    }
}

extension ErasureDestination {
    mutating func add(kind: IdentifierKind, match: [String], cells: [String], via: String) {
        add(kinds: [kind], match: match, cells: cells, via: via)
    }

    mutating func add(kinds more: [IdentifierKind], match moreMatch: [String], cells moreCells: [String], via reason: String) {
        kinds = Array(Set(kinds).union(more)).sorted()
        match = Array(Set(match).union(moreMatch)).sorted()
        cells = Array(Set(cells).union(moreCells).union(match)).sorted()
        via = via.isEmpty ? reason : via + "; " + reason
    }
}
