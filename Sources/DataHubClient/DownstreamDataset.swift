import Catalog
import JSON

extension DataHubOperations {
    /// The datasets downstream of `urn` up to `depth` hops (`searchAcrossLineage`, DOWNSTREAM, paged), with their
    /// fields and column-level lineage.
    public func downstreams(of urn: DatasetURN, depth: Int) async throws(DataHubError) -> [DownstreamDataset] {
        guard depth > 0 else { return [] }
        let degrees: [JSONValue] = (1...min(depth, 3)).map { $0 == 3 ? "3+" : .string("\($0)") }
        var found: [DownstreamDataset] = []
        var start = 0
        for _ in 0..<100 {
            let input: JSONValue = [
                "urn": .string(urn.description), "direction": "DOWNSTREAM", "types": ["DATASET"], "query": "*", "start": .number(Double(start)),
                "count": .number(100), "orFilters": [["and": [["field": "degree", "condition": "EQUAL", "values": .array(degrees)]]]],
            ]
            let data = try await client.execute(.downstreamLineage, variables: ["input": input])
            let page = data["searchAcrossLineage"]
            let results = page?["searchResults"]?.array ?? []
            for result in results {
                guard let entity = result["entity"], let downstream = entity["urn"]?.string, let downstreamURN = try? DatasetURN(downstream) else {
                    continue
                }
                let degree = Int(result["degree"]?.number ?? 1)
                guard degree <= depth else { continue }
                let fields = (entity["schemaMetadata"]?["fields"]?.array ?? []).compactMap { $0["fieldPath"]?.string }
                var edges: [DownstreamDataset.FieldEdge] = []
                for lineage in entity["fineGrainedLineages"]?.array ?? [] {
                    let ups = (lineage["upstreams"]?.array ?? []).compactMap { ref -> (DatasetURN, String)? in
                        guard let upstream = ref["urn"]?.string.flatMap({ try? DatasetURN($0) }), let path = ref["path"]?.string else { return nil }
                        return (upstream, path)
                    }
                    let downs = (lineage["downstreams"]?.array ?? []).compactMap { ref -> String? in
                        guard ref["urn"]?.string == downstream else { return nil }
                        return ref["path"]?.string
                    }
                    for (upstreamDataset, upstreamField) in ups {
                        for field in downs {
                            edges.append(.init(upstreamDataset: upstreamDataset, upstreamField: upstreamField, downstreamField: field))
                        }
                    }
                }
                found.append(DownstreamDataset(urn: downstreamURN, degree: degree, fieldPaths: fields, edges: edges))
            }
            start += results.count
            guard !results.isEmpty, start < Int(page?["total"]?.number ?? 0) else { break }
        }
        return found
    }
}
