import Catalog
import Logging

/// Writes a finished run's outcome to DataHub: tag flips, the documentation section, the run property.
///
/// Idempotent, so the outbox can retry it after any failure or restart: tags that exist are fine, adding a
/// present tag or removing an absent one changes nothing, and the dataset is read afresh each time so the
/// description merge never overwrites what a user wrote meanwhile.
public struct WriteBackPublisher: Sendable {
    private let catalog: any DataHubCatalog
    private let policy: WriteBackPolicy
    private let logger: Logger

    public init(catalog: any DataHubCatalog, policy: WriteBackPolicy, logger: Logger) {
        self.catalog = catalog
        self.policy = policy
        self.logger = logger
    }

    /// - Returns: false when the dataset is not in DataHub (nothing to write to).
    @discardableResult
    public func publish(_ record: RunRecord) async throws(DataHubError) -> Bool {
        // The dataset is read while the tags and the run property it may need are checked (each once per process):
        // a first write-back takes one round trip for the three, not three.
        async let read = Self.outcome { () async throws(DataHubError) in try await catalog.dataset(record.dataset) }
        async let tagsReady = Self.failure { () async throws(DataHubError) in try await ensureManagedTags() }
        async let propertyReady = Self.failure { () async throws(DataHubError) in
            if record.status != .planned { try await ensureRunProperty() }
        }
        let (snapshotRead, readiness) = await (read, [tagsReady, propertyReady])
        guard let snapshot = try snapshotRead.get() else {
            logger.warning("dataset is not in DataHub; nothing written back", metadata: ["dataset": "\(record.dataset)"])
            return false
        }
        if let failure = Self.first(readiness) { throw failure }
        let targets = policy.tagTargets(for: record)
        var wanted = policy.tagChanges(for: record.status, kind: record.scope.kind)
        if !wanted.add.isEmpty {
            let others = policy.statusTagsToRemove(on: targets, in: snapshot, adding: wanted.add)
            wanted.remove += others.filter { !wanted.remove.contains($0) }
        }
        let changes = policy.effective(wanted, on: targets, in: snapshot)
        // Add first, then remove: the trigger is removed last, so a failure in between never loses the request.
        if !changes.add.isEmpty { try await catalog.addTags(changes.add, to: targets) }
        if !changes.remove.isEmpty { try await catalog.removeTags(changes.remove, from: targets) }
        // A trigger on a field's own schemaField entity is removed there (the schema aspects never held it).
        for target in targets {
            guard let path = target.fieldPath, let field = snapshot.fields.first(where: { $0.fieldPath == path }) else { continue }
            let onEntity = wanted.remove.filter(field.entityTags.contains)
            if !onEntity.isEmpty {
                try await catalog.removeTags(onEntity, from: [TagTarget(datasetURN: record.dataset, fieldPath: path, onFieldEntity: true)])
            }
        }
        if policy.removesApprovalTag(for: record.status), snapshot.tags.contains(policy.approvalTag) {
            try await catalog.removeTags([policy.approvalTag], from: [TagTarget(datasetURN: record.dataset)])
        }

        if record.status == .planned {  // a plan has its own section and leaves the last run's property alone
            let fieldTags = record.plan?.fieldTags ?? []
            if !fieldTags.isEmpty {
                try await catalog.ensureTags(fieldTags.map { TagURN($0.tag) }, description: "Personal data found by tokenize-action's value sampling")
                for (tag, group) in Dictionary(grouping: fieldTags, by: \.tag) {
                    try await catalog.addTags([TagURN(tag)], to: group.map { TagTarget(datasetURN: record.dataset, fieldPath: $0.fieldPath) })
                }
            }
            let description = policy.mergeDocumentation(
                existing: snapshot.visibleDescription, section: policy.planSection(for: record), begin: WriteBackPolicy.planSectionBegin,
                end: WriteBackPolicy.planSectionEnd)
            if description != snapshot.editableDescription {
                try await catalog.setEditableDescription(datasetURN: record.dataset, description: description, name: snapshot.editableName)
            }
            return true
        }
        // The documentation and the run property are separate aspects: written at the same time (one round trip
        // less per run); when either fails, the whole write-back is retried.
        let description = policy.mergeDocumentation(existing: snapshot.visibleDescription, section: policy.documentationSection(for: record))
        let unchanged = description == snapshot.editableDescription
        async let documentFailure = Self.failure { () async throws(DataHubError) in
            if !unchanged {
                try await catalog.setEditableDescription(datasetURN: record.dataset, description: description, name: snapshot.editableName)
            }
        }
        async let propertyFailure = Self.failure { () async throws(DataHubError) in try await writeRunProperty(record) }
        if let failure = await Self.first([documentFailure, propertyFailure]) { throw failure }
        return true
    }

    /// The failure to report of several at once: a transient one first, so the write-back is retried rather than
    /// given up on.
    private static func first(_ failures: [DataHubError?]) -> DataHubError? {
        let failures = failures.compactMap { $0 }
        return failures.first(where: \.isTransient) ?? failures.first
    }

    private static func failure(_ body: () async throws(DataHubError) -> Void) async -> DataHubError? {
        if case .failure(let error) = await outcome(body) { return error }
        return nil
    }

    private static func outcome<Value>(_ body: () async throws(DataHubError) -> Value) async -> Result<Value, DataHubError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    /// Checks (once per process) the managed tags and the run property's definition a write-back needs, ahead of
    /// the first one: a one-off command starts this with its run, so its write-back does not wait for them. Best
    /// effort: a failure is logged, and the write-back checks again.
    public func prepare() async {
        async let tags = Self.failure { () async throws(DataHubError) in try await ensureManagedTags() }
        async let property = Self.failure { () async throws(DataHubError) in try await ensureRunProperty() }
        if let failure = Self.first(await [tags, property]) {
            logger.debug("DataHub's tags and run property not checked ahead; the write-back checks them", metadata: ["error": "\(failure)"])
        }
    }

    /// Creates the tags the write-back sets unless they exist (checked once per process).
    private func ensureManagedTags() async throws(DataHubError) {
        try await catalog.ensureTags(policy.managedTags, description: "Managed by tokenize-action")
    }

    /// Creates the run property's definition unless it exists (checked once per process).
    private func ensureRunProperty() async throws(DataHubError) {
        try await catalog.ensureStructuredProperty(
            id: WriteBackPolicy.runPropertyID, displayName: "Last tokenization run",
            description: "The outcome of the latest tokenize-action run on this dataset (JSON).")
    }

    private func writeRunProperty(_ record: RunRecord) async throws(DataHubError) {
        try await ensureRunProperty()
        try await catalog.setStructuredProperty(datasetURN: record.dataset, propertyID: WriteBackPolicy.runPropertyID, value: record.summaryJSON())
    }

    /// Shows a running run's progress in the dataset's documentation section; tags and the run property are left
    /// alone (nothing that could trigger a run changes). The description is read just before it is written and
    /// only the section is replaced, so a user's edit in between is kept. Best effort: a failure is logged.
    public func publishProgress(_ record: RunRecord) async {
        do {
            guard let snapshot = try await catalog.dataset(record.dataset) else { return }
            let description = policy.mergeDocumentation(existing: snapshot.visibleDescription, section: policy.documentationSection(for: record))
            if description != snapshot.editableDescription {
                try await catalog.setEditableDescription(datasetURN: record.dataset, description: description, name: snapshot.editableName)
            }
        } catch {
            logger.info("progress not shown in DataHub; the run goes on", metadata: ["dataset": "\(record.dataset)", "error": "\(error)"])
        }
    }
}
