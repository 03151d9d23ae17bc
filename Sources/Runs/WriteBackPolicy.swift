import Catalog

/// How a run's outcome shows in DataHub: tag flips and the documentation section. Pure: no I/O.
public struct WriteBackPolicy: Sendable {
    public let triggerTag: TagURN
    /// Added by an approver to let a run awaiting approval start (`APPROVAL_TAG`).
    public let approvalTag: TagURN
    public let doneTag = ServiceTags.done
    public let successTag = ServiceTags.status(RunStatus.success.rawValue)
    public let failedTag = ServiceTags.status(RunStatus.failed.rawValue)
    public let rejectedTag = ServiceTags.status(RunStatus.rejected.rawValue)
    public let awaitingTag = ServiceTags.status(RunStatus.awaitingApproval.rawValue)
    public let incompleteTag = ServiceTags.status(RunStatus.incomplete.rawValue)
    public let plannedTag = ServiceTags.status(RunStatus.planned.rawValue)
    /// Asks for a plan (`PLAN_TAG`); a plan's write-back removes it.
    public let planTag: TagURN
    /// Put by a steward on a field to dismiss what sampling found there (`DISMISS_TAG`); named in a plan's section.
    public let dismissTag: TagURN
    /// The structured property holding the last run's summary.
    public static let runPropertyID = "last_tokenization_run"
    public static let sectionBegin = "<!-- tokenize-action:begin -->"
    public static let sectionEnd = "<!-- tokenize-action:end -->"

    public init(tags: ServiceTags) {
        self.triggerTag = tags.trigger
        self.planTag = tags.plan
        self.approvalTag = tags.approval
        self.dismissTag = tags.dismiss
    }

    /// The family of the status tags: `tokenize/status:<STATUS>`.
    public static let statusFamily = ServiceTags.statusFamily

    /// Tags to add and remove where the run's tags go (`tagTargets`). One status tag at a time, a plan's included
    /// (`statusTagsToRemove` also removes any other tag of the family the dataset carries); SUCCESS removes the
    /// trigger, every other outcome keeps it, so the request stays visible until it is done.
    /// A verify-only run changes only the status tag (SUCCESS or INCOMPLETE), never the trigger.
    public func tagChanges(for status: RunStatus, kind: RunKind = .tokenize) -> (add: [TagURN], remove: [TagURN]) {
        let statusTags = [successTag, failedTag, rejectedTag, awaitingTag, incompleteTag, plannedTag]
        switch status {
        case .planned: return ([plannedTag], [planTag] + statusTags.filter { $0 != plannedTag })
        case .success where kind == .verify: return ([successTag], statusTags.filter { $0 != successTag })
        case .success: return ([doneTag, successTag], [triggerTag] + statusTags.filter { $0 != successTag })
        case .incomplete: return ([incompleteTag], statusTags.filter { $0 != incompleteTag })
        case .failed: return ([failedTag], statusTags.filter { $0 != failedTag })
        case .rejected: return ([rejectedTag], statusTags.filter { $0 != rejectedTag })
        case .awaitingApproval: return ([awaitingTag], statusTags.filter { $0 != awaitingTag })
        case .skipped, .stale, .coalesced, .queued, .running: return ([], [])
        }
    }

    /// The tags of the status family that `targets` carry in `snapshot` besides the ones `adding` puts there (tags of
    /// the family this version does not write, or written by hand): removed too, so one status shows at a time.
    public func statusTagsToRemove(on targets: [TagTarget], in snapshot: DatasetSnapshot, adding: [TagURN]) -> [TagURN] {
        var carried = Set<TagURN>()
        for target in targets {
            if let path = target.fieldPath {
                guard let field = snapshot.fields.first(where: { $0.fieldPath == path }) else { continue }
                carried.formUnion(target.onFieldEntity ? field.entityTags : field.editableTags)
            } else {
                carried.formUnion(snapshot.tags)
            }
        }
        return carried.filter { $0.value(inFamily: Self.statusFamily) != nil && !adding.contains($0) }.sorted()
    }

    /// Whether the dataset's approval tag is removed: once a run awaiting approval is shown (an approval that
    /// did not count is taken away, so another approver can add it) and when the run is final.
    public func removesApprovalTag(for status: RunStatus) -> Bool {
        [.success, .failed, .rejected, .awaitingApproval, .incomplete].contains(status)
    }

    /// Whether a run's outcome is written to DataHub at all.
    public func writesBack(_ status: RunStatus) -> Bool {
        [.success, .failed, .skipped, .rejected, .awaitingApproval, .incomplete, .planned].contains(status)
    }

    /// The tags the service creates when missing (the approval tag too, so approvers can pick it).
    public var managedTags: [TagURN] { [doneTag, successTag, failedTag, rejectedTag, awaitingTag, incompleteTag, plannedTag, approvalTag] }

    /// Where the tags of a run are flipped: the trigger fields, and the dataset for dataset-level and
    /// column-list requests.
    public func tagTargets(for record: RunRecord) -> [TagTarget] {
        var targets = record.scope.triggerFields.sorted().map { TagTarget(datasetURN: record.dataset, fieldPath: $0) }
        if record.scope.datasetLevel || !record.scope.explicitColumns.isEmpty || targets.isEmpty {
            targets.append(TagTarget(datasetURN: record.dataset))
        }
        return targets
    }

    /// The part of `changes` that changes something on `targets` as `snapshot` (read just before) shows them: a
    /// tag every target already carries is not added again, a tag no target carries is not removed, so a re-run
    /// whose tags are already right sends no tag mutation. A field the snapshot does not list keeps every change.
    public func effective(
        _ changes: (add: [TagURN], remove: [TagURN]), on targets: [TagTarget], in snapshot: DatasetSnapshot
    ) -> (add: [TagURN], remove: [TagURN]) {
        func carried(by target: TagTarget) -> Set<TagURN>? {
            guard let path = target.fieldPath else { return snapshot.tags }
            guard let field = snapshot.fields.first(where: { $0.fieldPath == path }) else { return nil }
            return target.onFieldEntity ? field.entityTags : field.editableTags
        }
        let carriedByTarget = targets.map(carried(by:))
        return (
            add: changes.add.filter { tag in carriedByTarget.contains { $0?.contains(tag) != true } },
            remove: changes.remove.filter { tag in carriedByTarget.contains { $0?.contains(tag) != false } }
        )
    }

    /// The Markdown summary of a run, delimited so a later run can replace it.
    public func documentationSection(for record: RunRecord) -> String {
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        let columns =
            record.columns.isEmpty
            ? "none"
            : record.columns.map { column in "`\(cell(column))`" + (record.schemes[column].map { " (\($0.rawValue))" } ?? "") }.joined(
                separator: ", ")
        var lines = [
            Self.sectionBegin,
            "### Tokenization",
            "",
            "| | |",
            "|---|---|",
            "| Status | **\(record.status.rawValue)** |",
            "| Run id | `\(record.runID)` |",
            "| Started (UTC) | \(record.startedAt.map(RunRecord.utcString) ?? "—") |",
            "| Finished (UTC) | \(record.finishedAt.map(RunRecord.utcString) ?? "—") |",
            "| Columns | \(columns) |",
            "| Rows updated | \(record.rowsUpdated) |",
        ]
        if record.status == .running, let progress = record.progress { lines.append("| Progress | \(cell(progress.sentence)) |") }
        if let requestedBy = record.requestedBy { lines.append("| Requested by | \(cell(requestedBy)) |") }
        if let approvedBy = record.approvedBy {
            lines.append("| Approved by | \(cell(approvedBy))\(record.approvedAt.map { " (\(RunRecord.utcString($0)))" } ?? "") |")
        }
        if let verification = record.verification {
            lines.append("| Verified | \(cell(verification.summary)); \(RunRecord.utcString(verification.verifiedAt)) |")
        }
        if let residue = record.residue { lines.append("| Old values | \(cell(residue.sentence)) |") }
        if let table = record.table, !table.isEmpty { lines.append("| Around the table | \(cell(table.sentence)) |") }
        let deviations = (record.deviations ?? [:]).sorted { $0.key < $1.key }.compactMap { column, deviation in
            deviation.sentence.map { "`\(cell(column))`: \(cell($0))" }
        }
        if !deviations.isEmpty { lines.append("| Deviations | \(deviations.joined(separator: "; ")) |") }
        if let normalizations = record.normalizations, !normalizations.isEmpty {
            let forms = normalizations.sorted { $0.key < $1.key }.map { "`\(cell($0.key))`: \($0.value.rawValue)" }
            lines.append("| Normalized | \(forms.joined(separator: ", ")) |")
        }
        if let downstream = record.downstream?.sentence { lines.append("| Downstream copies | \(cell(downstream)) |") }
        if record.status == .failed {
            lines.append("| Error | \(cell(record.details)) |")
        } else if record.status == .rejected {
            lines.append("| Rejected | \(cell(record.details)) |")
        } else if record.status == .awaitingApproval {
            lines.append("| Approval | \(cell(record.details)) |")
        } else if !record.details.isEmpty {
            lines.append("| Details | \(cell(record.details)) |")
        }
        lines.append(Self.sectionEnd)
        return lines.joined(separator: "\n")
    }

    /// The description with the run section put in place of an earlier one, or appended; text outside
    /// the section is kept as the user wrote it.
    public func mergeDocumentation(existing: String?, section: String) -> String {
        mergeDocumentation(existing: existing, section: section, begin: Self.sectionBegin, end: Self.sectionEnd)
    }

    /// `mergeDocumentation` for the section between `beginMarker` and `endMarker`.
    public func mergeDocumentation(existing: String?, section: String, begin beginMarker: String, end endMarker: String) -> String {
        let existing = existing ?? ""
        if let begin = existing.range(of: beginMarker),
            let end = existing.range(of: endMarker, range: begin.upperBound..<existing.endIndex)
        {
            return existing.replacingCharacters(in: begin.lowerBound..<end.upperBound, with: section)
        }
        let trimmed = existing.trimmingTrailingNewlines()
        return trimmed.isEmpty ? section : trimmed + "\n\n" + section
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var result = Substring(self)
        while result.last?.isNewline == true { result = result.dropLast() }
        return String(result)
    }
}
