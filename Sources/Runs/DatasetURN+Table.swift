import Catalog
import Resilience
import WarehouseKit

extension DatasetURN {
    /// Parses the dataset URN of a request; a refusal is the request's error (`invalid_request`).
    public static func requested(_ text: String) throws(RunError) -> DatasetURN {
        do {
            return try DatasetURN(text)
        } catch {
            throw RunError(.invalidRequest, error.message)
        }
    }

    /// The three-part table name `<db>.<schema>.<table>` (Postgres) or `<catalog>.<schema>.<table>` (Databricks).
    public func tableReference() throws(RunError) -> TableReference {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw RunError(
                .invalidRequest,
                "dataset name \(name.quotedForMessage()) must have three dot-separated parts <database>.<schema>.<table>; set the ingestion "
                    + "recipe's database so DataHub names it that way"
            )
        }
        return TableReference(database: parts[0], schema: parts[1], table: parts[2])
    }
}
