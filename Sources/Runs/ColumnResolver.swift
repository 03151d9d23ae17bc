import Catalog
import Discovery
import Tokenization
import WarehouseKit

/// Chooses the columns a run tokenizes, and their schemes. Pure: no I/O.
///
/// Order of precedence: fields carrying the trigger tag, then columns named in the request; a
/// dataset-level trigger adds the fields tagged as PII in DataHub, or, when none is, the columns value sampling
/// found personal data in (`discovered`: plans always, runs with `DISCOVERY_IN_RUNS`), or, when none is either,
/// the text columns whose names look like personal data. Every chosen name must exist in the warehouse catalog.
public struct ColumnResolver: Sendable {
    /// Column-name fragments that suggest personal data (matched case-insensitively).
    public static let piiNameFragments = [
        "email", "e_mail", "phone", "mobile", "ssn", "social_security", "tax_id", "passport", "first_name",
        "last_name", "full_name", "surname", "address", "street", "birth", "dob", "iban", "credit_card",
        "card_number", "ip_address",
    ]
    /// The tag family choosing a column's scheme: `tokenize/scheme:<name>`.
    public static let schemeTagFamily = "tokenize/scheme"

    /// DataHub's classifier marks columns with glossary terms named after what it found (`Email_Address`,
    /// `Phone_Number`, …); a field with one of these terms counts as tagged PII (`PII_GLOSSARY_TERMS`).
    public static let defaultPIIGlossaryTerms: Set<String> = [
        "PII", "Personal_Information", "Sensitive", "Email_Address", "Phone_Number", "Street_Address", "Full_Name", "Gender", "Age",
        "Credit_Debit_Card_Number", "IBAN", "US_Social_Security_Number", "US_Driving_License_Number", "IP_Address_v4", "IP_Address_v6",
        "Swift_Code",
    ]

    /// The glossary term names that mark personal data, compared case-insensitively.
    public let piiGlossaryTerms: Set<String>
    /// The tag a steward puts on a field to dismiss what sampling found (`DISMISS_TAG`); nil: no dismissals.
    public let dismissTag: TagURN?

    public init(piiGlossaryTerms: Set<String> = ColumnResolver.defaultPIIGlossaryTerms, dismissTag: TagURN? = nil) {
        self.piiGlossaryTerms = Set(piiGlossaryTerms.map { $0.lowercased() })
        self.dismissTag = dismissTag
    }

    /// The columns whose fields carry the dismissal tag: never proposed by sampling nor chosen by their name.
    public func dismissed(in snapshot: DatasetSnapshot?) -> Set<String> {
        guard let dismissTag else { return [] }
        return Set((snapshot?.fields ?? []).filter { $0.tags.contains(dismissTag) }.map { Self.columnName(fieldPath: $0.fieldPath) })
    }

    /// Whether a field is marked as personal data in DataHub: a `pii` tag (anywhere), or a PII glossary term.
    public func isTaggedPII(_ field: DatasetSnapshot.Field) -> Bool {
        field.tags.contains(where: Self.isPIITag) || field.glossaryTerms.contains { piiGlossaryTerms.contains($0.lowercased()) }
    }

    /// The column name a DataHub field path refers to (`[version=2.0].[type=string].email` → `email`).
    public static func columnName(fieldPath: String) -> String {
        guard fieldPath.hasPrefix("[version=") else { return fieldPath }
        return fieldPath.split(separator: ".").last { !$0.hasPrefix("[") }.map(String.init) ?? fieldPath
    }

    /// Whether a tag marks personal data: `pii`, or `pii` followed by `/`, `:` or `.` and a qualifier.
    public static func isPIITag(_ tag: TagURN) -> Bool {
        let lowered = tag.name.lowercased()
        return lowered == "pii" || ["pii/", "pii:", "pii."].contains { lowered.hasPrefix($0) }
    }

    /// The scheme a `tokenize/scheme:<name>` tag selects, if it is one.
    public static func scheme(of tag: TagURN) -> TokenSchemeName? {
        tag.value(inFamily: schemeTagFamily).flatMap { TokenSchemeName(rawValue: $0.lowercased()) }
    }

    /// Whether a column name looks like personal data.
    public static func looksPersonal(_ columnName: String) -> Bool {
        let lowered = columnName.lowercased()
        return piiNameFragments.contains { lowered.contains($0) }
    }

    /// The columns to tokenize, in table order.
    /// - Throws: `RunError` naming an unknown column, or saying how to choose columns when none is found.
    public func resolve(
        scope: RunScope, snapshot: DatasetSnapshot?, table: TableDescription, discovered: [String: PIIKind] = [:]
    ) throws(RunError) -> [String] {
        var chosen = Set(scope.triggerFields.map(Self.columnName)).union(scope.explicitColumns)
        if scope.datasetLevel {
            let tagged = (snapshot?.fields ?? []).filter(isTaggedPII).map { Self.columnName(fieldPath: $0.fieldPath) }
            let dismissed = dismissed(in: snapshot)
            let sampled = discovered.keys.filter { !dismissed.contains($0) }
            if !tagged.isEmpty {
                chosen.formUnion(tagged)
            } else if !sampled.isEmpty {
                chosen.formUnion(sampled)
            } else {
                chosen.formUnion(table.columns.filter { $0.isText && Self.looksPersonal($0.name) && !dismissed.contains($0.name) }.map(\.name))
            }
        }
        let known = Set(table.columns.map(\.name))
        if let unknown = chosen.subtracting(known).sorted().first {
            throw RunError(
                .unknownColumn,
                "column '\(unknown)' does not exist in \(table.table); the table has: \(table.columns.map(\.name).joined(separator: ", "))")
        }
        guard !chosen.isEmpty else {
            throw RunError(
                .noColumns,
                "no PII columns found in \(table.table): tag the columns 'pii' or 'tokenize/run' in DataHub, or name them in the request")
        }
        return table.columns.map(\.name).filter(chosen.contains)
    }

    /// Why each chosen column was chosen, for the audit trail.
    public func reasons(
        for columns: [String], scope: RunScope, snapshot: DatasetSnapshot?, discovered: [String: PIIKind] = [:]
    ) -> [String: String] {
        let triggered = Set(scope.triggerFields.map(Self.columnName))
        let tagged = Set((snapshot?.fields ?? []).filter(isTaggedPII).map { Self.columnName(fieldPath: $0.fieldPath) })
        var reasons: [String: String] = [:]
        for column in columns {
            if triggered.contains(column) {
                reasons[column] = "the trigger tag is on the field"
            } else if scope.explicitColumns.contains(column) {
                reasons[column] = "named in the request"
            } else if tagged.contains(column) {
                reasons[column] = "tagged as PII in DataHub (a pii tag or a PII glossary term)"
            } else if let kind = discovered[column] {
                reasons[column] = "value sampling found \(kind.rawValue) (no field is tagged as PII)"
            } else {
                reasons[column] = "its name looks personal (no field is tagged as PII)"
            }
        }
        return reasons
    }

    /// The field paths of the snapshot that name no column of the table (reported, never silently ignored).
    public static func unmappedFieldPaths(_ snapshot: DatasetSnapshot?, table: TableDescription) -> [String] {
        let known = Set(table.columns.map(\.name))
        return (snapshot?.fields ?? []).map(\.fieldPath).filter { !known.contains(columnName(fieldPath: $0)) }.sorted()
    }

    /// The scheme of each column: a `tokenize/scheme:<name>` tag on the field, else one on the dataset, else
    /// `defaultScheme` (`TOKEN_SCHEME`).
    public func schemes(for columns: [String], snapshot: DatasetSnapshot?, defaultScheme: TokenSchemeName) -> [ColumnPlan] {
        let datasetScheme = snapshot?.tags.sorted().lazy.compactMap(Self.scheme(of:)).first
        var fieldSchemes: [String: TokenSchemeName] = [:]
        for field in snapshot?.fields ?? [] {
            if let scheme = field.tags.sorted().lazy.compactMap(Self.scheme(of:)).first {
                fieldSchemes[Self.columnName(fieldPath: field.fieldPath)] = scheme
            }
        }
        return columns.map { ColumnPlan(name: $0, scheme: fieldSchemes[$0] ?? datasetScheme ?? defaultScheme) }
    }

    /// The tag family choosing a column's normalization: `tokenize/normalize:<none|nfc|nfc-casefold>`.
    public static let normalizeTagFamily = "tokenize/normalize"

    /// The normalization of each column that is not byte-exact: a `tokenize/normalize:<form>` tag on the field, else
    /// one on the dataset, else `defaultNormalization` (the policy's `tables[].normalization`).
    public func normalizations(for columns: [String], snapshot: DatasetSnapshot?, defaultNormalization: Normalization) -> [String: Normalization] {
        func form(_ tags: Set<TagURN>) -> Normalization? {
            tags.sorted().lazy.compactMap { $0.value(inFamily: Self.normalizeTagFamily).flatMap { Normalization(rawValue: $0.lowercased()) } }.first
        }
        let datasetForm = snapshot.flatMap { form($0.tags) }
        var fieldForms: [String: Normalization] = [:]
        for field in snapshot?.fields ?? [] {
            if let found = form(field.tags) { fieldForms[Self.columnName(fieldPath: field.fieldPath)] = found }
        }
        var result: [String: Normalization] = [:]
        for column in columns {
            let chosen = fieldForms[column] ?? datasetForm ?? defaultNormalization
            if chosen != .none { result[column] = chosen }
        }
        return result
    }

    /// The part of a tag-triggered scope whose trigger is still on the dataset (or field) in DataHub; nil when
    /// none of it is: the trigger is stale.
    public static func live(_ scope: RunScope, trigger: TagURN, in snapshot: DatasetSnapshot?) -> RunScope? {
        guard let snapshot else { return nil }
        var live = scope
        live.datasetLevel = scope.datasetLevel && snapshot.tags.contains(trigger)
        let tagged = Set(snapshot.fields(taggedWith: trigger).map(\.fieldPath))
        live.triggerFields = scope.triggerFields.filter(tagged.contains)
        return live.datasetLevel || !live.triggerFields.isEmpty || !live.explicitColumns.isEmpty ? live : nil
    }
}
