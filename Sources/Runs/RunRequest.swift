import Catalog
import KafkaModel

/// A request to tokenize: a trigger heard on Kafka, an API call, a CLI run, or one reconciliation found.
public struct RunRequest: Sendable, Equatable {
    public var dataset: DatasetURN
    public var scope: RunScope
    public var source: RunSource
    /// The Kafka message that carried a trigger: the ledger records each position once, so a redelivered or
    /// replayed message never makes a second run.
    public var position: KafkaPosition?
    /// Who asked: `api:<token name>`, a DataHub principal (`urn:li:corpuser:…`), or `cli`.
    public var requestedBy: String?

    public init(dataset: DatasetURN, scope: RunScope, source: RunSource, position: KafkaPosition? = nil, requestedBy: String? = nil) {
        self.dataset = dataset
        self.scope = scope
        self.source = source
        self.position = position
        self.requestedBy = requestedBy
    }

    /// Whether the request stands for a tag in DataHub, which must still be there when the run starts.
    public var isTagTrigger: Bool { source == .kafka || source == .reconcile }
}
