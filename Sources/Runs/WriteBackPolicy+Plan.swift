import Foundation

extension WriteBackPolicy {
    /// A plan's section is its own: a later run's section never replaces it, nor it a run's.
    public static let planSectionBegin = "<!-- tokenize-action:plan:begin -->"
    public static let planSectionEnd = "<!-- tokenize-action:plan:end -->"

    /// The Markdown of a plan: per column, why, what a run would change, whether the tokens fit, what sampling
    /// detected. Counts and kinds only, never a value.
    public func planSection(for record: RunRecord) -> String {
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        func detections(_ found: [PlanReport.Detection]) -> String {
            found.isEmpty ? "—" : found.map { "\($0.kind.rawValue) \(Int(($0.confidence * 100).rounded())) %" }.joined(separator: ", ")
        }
        var lines = [
            Self.planSectionBegin,
            "### Tokenization plan (dry run: no row changed)",
            "",
            "Run id `\(record.runID)`, \(record.finishedAt.map(RunRecord.utcString) ?? "—") "
                + "UTC\(record.requestedBy.map { ", requested by \(cell($0))" } ?? "").",
        ]
        guard let plan = record.plan else {
            lines += ["", cell(record.details), Self.planSectionEnd]
            return lines.joined(separator: "\n")
        }
        lines += [
            "Sample: \(cell(plan.sample)).", "",
            "| Column | Scheme | Why | Values to tokenize | Already tokens | NULL or empty | Width | Detected by sampling |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for column in plan.columns {
            let approximate = column.counted ? "" : "~"
            var width = column.width
            if let below = column.belowFF1Domain, below > 0 { width += "; \(below) sampled value(s) below ff1's minimum domain get siv tokens" }
            if let above = column.aboveFF1Length, above > 0 { width += "; \(above) sampled value(s) longer than ff1 takes get siv tokens" }
            if let blank = column.blank, blank > 0 { width += "; \(blank) sampled value(s) of whitespace only are left alone" }
            if let notNFC = column.notNFC, notNFC > 0 {
                width +=
                    "; \(notNFC) sampled value(s) not in Unicode NFC"
                    + (column.normalization == nil ? " (byte-exact: their tokens differ from their composed twins')" : "")
            }
            if let normalization = column.normalization { width += "; normalized \(normalization.rawValue) first" }
            if let note = column.typeNote { width += "; \(note)" }
            lines.append(
                "| `\(cell(column.name))` | \(column.scheme.rawValue) | \(cell(column.reason)) | \(approximate)\(column.toChange) | "
                    + "\(approximate)\(column.alreadyTokens) | \(approximate)\(column.empty) | \(cell(width)) | \(detections(column.detected)) |")
        }
        if plan.columns.contains(where: { !$0.counted }) { lines += ["", "~ estimated from the sample."] }
        if plan.columns.isEmpty { lines += ["", "A run would find no column to tokenize."] }
        if !plan.proposed.isEmpty {
            lines += [
                "",
                "Value sampling proposes (a run would not tokenize these now; tag them `pii` or `\(cell(triggerTag.name))`, or "
                    + "`\(cell(dismissTag.name))` if they are not personal data): "
                    + plan.proposed.keys.sorted().map { "`\(cell($0))` (\(detections(plan.proposed[$0] ?? [])))" }.joined(separator: ", ") + ".",
            ]
        }
        if let below = plan.belowThreshold, !below.isEmpty {
            let findings = below.keys.sorted().compactMap { column -> String? in
                guard let finding = below[column] else { return nil }
                let forms = finding.rejectedForms.map { "`\(cell($0.form))` ×\($0.count)" }.joined(separator: ", ")
                return "`\(cell(column))` \(Int((finding.share * 100).rounded())) % \(finding.kind.rawValue)"
                    + (forms.isEmpty ? "" : "; the others read \(forms)")
            }
            lines += ["", "Below the sampling threshold (not proposed): " + findings.joined(separator: "; ") + "."]
        }
        if let dismissed = plan.dismissed, !dismissed.isEmpty {
            lines += [
                "",
                "Dismissed by a steward (`\(cell(dismissTag.name))`; not proposed): "
                    + dismissed.keys.sorted().map { "`\(cell($0))` (\(detections(dismissed[$0] ?? [])))" }.joined(separator: ", ") + ".",
            ]
        }
        if !plan.fieldTags.isEmpty {
            lines += ["", "Tagged: " + plan.fieldTags.map { "`\(cell($0.fieldPath))` \(cell($0.tag))" }.joined(separator: ", ") + "."]
        }
        if let refusals = plan.refusals, !refusals.isEmpty {
            lines += ["", "**A run would be refused before changing any row:** " + refusals.map(cell).joined(separator: "; ") + "."]
        }
        if let table = plan.table, !table.isEmpty { lines += ["", "Around the table: " + cell(table.sentence) + "."] }
        if !plan.unmappedFieldPaths.isEmpty {
            lines += [
                "", "Field paths in DataHub that match no column: " + plan.unmappedFieldPaths.map { "`\(cell($0))`" }.joined(separator: ", ") + ".",
            ]
        }
        lines.append(Self.planSectionEnd)
        return lines.joined(separator: "\n")
    }
}
