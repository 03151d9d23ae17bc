/// How a run's outcome shows in DataHub: tag flips and the documentation section. Pure: no I/O.
public struct WriteBackPolicy: Sendable {
    public let triggerTag: String
    public let doneTag: String
    public let successTag: String
    public let failedTag: String
    /// The structured property holding the last run record.
    public static let runPropertyID = "last_tokenization_run"
    public static let sectionBegin = "<!-- tokenize-action:begin -->"
    public static let sectionEnd = "<!-- tokenize-action:end -->"

    /// - Parameter triggerTag: the trigger tag's name, e.g. `tokenize/run`.
    public init(triggerTag: String) {
        let name = triggerTag.hasPrefix("urn:li:tag:") ? String(triggerTag.dropFirst("urn:li:tag:".count)) : triggerTag
        self.triggerTag = "urn:li:tag:\(name)"
        self.doneTag = "urn:li:tag:tokenize/done"
        self.successTag = "urn:li:tag:tokenize/status:SUCCESS"
        self.failedTag = "urn:li:tag:tokenize/status:FAILED"
    }

    /// Tags to add and remove for a run's status.
    public func tagChanges(for status: RunStatus) -> (add: [String], remove: [String]) {
        switch status {
        case .success: return ([doneTag, successTag], [triggerTag, failedTag])
        case .failed: return ([failedTag], [successTag])
        case .skipped: return ([], [])
        }
    }

    /// The tags the service creates when missing.
    public var managedTags: [String] { [doneTag, successTag, failedTag] }

    /// The Markdown summary of a run, delimited so a later run can replace it.
    public func documentationSection(for record: RunRecord) -> String {
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        var lines = [
            Self.sectionBegin,
            "### Tokenization",
            "",
            "| | |",
            "|---|---|",
            "| Status | **\(record.status.rawValue)** |",
            "| Run id | `\(record.runID)` |",
            "| Started (UTC) | \(RunRecord.utcString(record.startedAt)) |",
            "| Finished (UTC) | \(RunRecord.utcString(record.finishedAt)) |",
            "| Columns | \(record.columns.isEmpty ? "none" : record.columns.map { column in "`\(cell(column))`" + (record.schemes[column].map { " (\($0.rawValue))" } ?? "") }.joined(separator: ", ")) |",
            "| Rows updated | \(record.rowsUpdated) |",
        ]
        if record.status == .failed {
            lines.append("| Error | \(cell(record.details)) |")
        } else if !record.details.isEmpty {
            lines.append("| Details | \(cell(record.details)) |")
        }
        lines.append(Self.sectionEnd)
        return lines.joined(separator: "\n")
    }

    /// The description with the run section put in place of an earlier one, or appended; text outside
    /// the section is kept as the user wrote it.
    public func mergeDocumentation(existing: String?, section: String) -> String {
        let existing = existing ?? ""
        if let begin = existing.range(of: Self.sectionBegin),
            let end = existing.range(of: Self.sectionEnd, range: begin.upperBound..<existing.endIndex)
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
