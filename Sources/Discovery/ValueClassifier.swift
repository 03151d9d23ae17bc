import Foundation

/// What sampling found in one column: counts and ratios only, never a value.
public struct ColumnProfile: Sendable, Equatable, Codable {
    /// Values read (NULLs included).
    public var sampled: Int
    /// Values that were neither NULL nor empty (nor blank).
    public var nonEmpty: Int
    /// How many non-empty values validated as each kind (each value counts for one kind at most).
    public var counts: [PIIKind: Int]
    /// The forms of the values that validated as no kind (`ValueForm`), with how many had each: a steward sees why a
    /// column fell short without seeing a value.
    public var rejectedForms: [String: Int]

    public init(sampled: Int = 0, nonEmpty: Int = 0, counts: [PIIKind: Int] = [:], rejectedForms: [String: Int] = [:]) {
        self.sampled = sampled
        self.nonEmpty = nonEmpty
        self.counts = counts
        self.rejectedForms = rejectedForms
    }

    enum CodingKeys: String, CodingKey {
        case sampled, nonEmpty, counts
        case rejectedForms = "rejected_forms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sampled = try container.decode(Int.self, forKey: .sampled)
        nonEmpty = try container.decode(Int.self, forKey: .nonEmpty)
        counts = try container.decode([PIIKind: Int].self, forKey: .counts)
        rejectedForms = try container.decodeIfPresent([String: Int].self, forKey: .rejectedForms) ?? [:]
    }

    /// The most frequent rejected forms, most frequent first (ties by form), at most `limit`.
    public func topRejectedForms(_ limit: Int = 3) -> [(form: String, count: Int)] {
        rejectedForms.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(limit).map { (form: $0.key, count: $0.value) }
    }

    /// The share of non-empty values of each kind found, largest first.
    public var ratios: [(kind: PIIKind, ratio: Double)] {
        guard nonEmpty > 0 else { return [] }
        return counts.map { (kind: $0.key, ratio: Double($0.value) / Double(nonEmpty)) }.sorted { ($0.ratio, $1.kind) > ($1.ratio, $0.kind) }
    }

    /// The kind the column holds when at least `threshold` of at least `minimumValues` non-empty values are of it.
    public func detectedKind(threshold: Double, minimumValues: Int = ValueClassifier.minimumValues) -> (kind: PIIKind, confidence: Double)? {
        guard nonEmpty >= minimumValues, let best = ratios.first, best.ratio >= threshold else { return nil }
        return (best.kind, best.ratio)
    }
}

/// Classifies sampled values with validators (check digits, registries, calendar rules), in the service. The
/// values it is given are never kept, logged or returned: only a `ColumnProfile`.
public struct ValueClassifier: Sendable {
    /// Below this many non-empty values a column is never proposed: three matches prove little.
    public static let minimumValues = 3
    /// The day dates of birth are judged against (yesterday is the latest possible birth date).
    public let today: (year: Int, month: Int, day: Int)

    public init(today: Date = Date()) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: today)
        self.today = (parts.year!, parts.month!, parts.day!)
    }

    /// The kind `value` validates as, trying the most specific kinds first; nil for anything else.
    public func kind(of value: String) -> PIIKind? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 254 else { return nil }
        for kind in PIIKind.precedence where Self.matches(trimmed, kind: kind, today: today) { return kind }
        return nil
    }

    static func matches(_ value: String, kind: PIIKind, today: (year: Int, month: Int, day: Int)) -> Bool {
        switch kind {
        case .email: return NetworkValidators.isEmail(value)
        case .ipAddress: return NetworkValidators.isIPAddress(value)
        case .iban: return FinancialValidators.isIBAN(value)
        case .creditCard: return FinancialValidators.isCreditCard(value)
        case .usSSN: return IdentityValidators.isUSSSN(value)
        case .dateOfBirth: return IdentityValidators.isDateOfBirth(value, today: today)
        case .phone: return IdentityValidators.isPhone(value)
        case .ukNINO: return NationalIDValidators.isUKNINO(value)
        case .ukNHS: return NationalIDValidators.isUKNHS(value)
        case .deTaxID: return NationalIDValidators.isDETaxID(value)
        case .frNIR: return NationalIDValidators.isFRNIR(value)
        case .esDNI: return NationalIDValidators.isESDNI(value)
        case .nlBSN: return NationalIDValidators.isNLBSN(value)
        case .itFiscalCode: return NationalIDValidators.isITFiscalCode(value)
        case .sePersonnummer: return NationalIDValidators.isSEPersonnummer(value)
        case .personName: return ContextualValidators.isPersonName(value)
        case .postalAddress: return ContextualValidators.isPostalAddress(value)
        }
    }

    /// The profile of a column's sampled values. With a `context` whose name or terms say so, values of no validated
    /// kind are also tested as person names or postal addresses.
    public func profile<Values: Sequence>(_ values: Values, context: ColumnContext? = nil) -> ColumnProfile where Values.Element == String? {
        var profile = ColumnProfile()
        let contextual: [PIIKind] =
            (context?.suggestsPersonName == true ? [.personName] : []) + (context?.suggestsPostalAddress == true ? [.postalAddress] : [])
        for value in values {
            profile.sampled += 1
            guard let value, !value.allSatisfy(\.isWhitespace) else { continue }
            profile.nonEmpty += 1
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if let kind = kind(of: value) ?? contextual.first(where: { Self.matches(trimmed, kind: $0, today: today) }) {
                profile.counts[kind, default: 0] += 1
            } else {
                // At most 64 distinct forms are kept: a column of free text would otherwise hold one per value.
                let form = ValueForm.of(value)
                if profile.rejectedForms.count < 64 || profile.rejectedForms[form] != nil { profile.rejectedForms[form, default: 0] += 1 }
            }
        }
        return profile
    }
}
