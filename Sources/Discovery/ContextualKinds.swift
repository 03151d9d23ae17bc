/// Person names and postal addresses: no check digit tells them apart from other words, so a column is taken for
/// one only when its name or a DataHub glossary term says so *and* its values have the shape. Weaker than the
/// validated kinds: a column named `name` holding city names reads as person names (`make discovery-bench`
/// measures how often). Pure.
public struct ColumnContext: Sendable, Equatable {
    /// The column's name in the warehouse.
    public var name: String
    /// The names of the glossary terms on its field in DataHub.
    public var glossaryTerms: Set<String>

    public init(name: String, glossaryTerms: Set<String> = []) {
        self.name = name
        self.glossaryTerms = glossaryTerms
    }

    private static let personFragments = [
        "first_name", "firstname", "given_name", "givenname", "forename", "last_name", "lastname", "surname", "family_name",
        "familyname", "full_name", "fullname", "person_name", "customer_name", "contact_name", "patient_name", "maiden_name",
        "middle_name",
    ]
    private static let personExact: Set<String> = ["name", "first", "last", "given", "family"]
    private static let notPersons = [
        "user", "file", "host", "company", "product", "table", "column", "schema", "domain", "brand", "org", "city",
        "country", "street", "display", "class", "field", "bank", "app", "service",
    ]
    private static let personTerms: Set<String> = ["full_name", "person_name", "first_name", "last_name", "name", "given_name", "surname"]
    private static let addressFragments = ["address", "addr", "street", "line1", "line_1", "mailing", "residence", "postal"]
    private static let notAddresses = ["email", "e_mail", "mail_addr", "ip", "mac", "url", "web", "wallet", "bitcoin", "hash", "postal_code"]
    private static let addressTerms: Set<String> = ["street_address", "address", "postal_address", "home_address", "mailing_address"]

    /// Whether the name or terms say the column holds person names.
    public var suggestsPersonName: Bool {
        let lowered = name.lowercased()
        if glossaryTerms.contains(where: { Self.personTerms.contains($0.lowercased()) }) { return true }
        guard !Self.notPersons.contains(where: { lowered.contains($0) }) else { return false }
        return Self.personExact.contains(lowered) || Self.personFragments.contains { lowered.contains($0) }
    }

    /// Whether the name or terms say the column holds postal addresses.
    public var suggestsPostalAddress: Bool {
        let lowered = name.lowercased()
        if glossaryTerms.contains(where: { Self.addressTerms.contains($0.lowercased()) }) { return true }
        guard !Self.notAddresses.contains(where: { lowered.contains($0) }) else { return false }
        return Self.addressFragments.contains { lowered.contains($0) }
    }
}

public enum ContextualValidators {
    /// A person's name as written: one to five words of letters (any script), each starting with a capital or a
    /// known lower-case particle (`van`, `de`, `al`, …), apostrophes, hyphens and dots inside; `Last, First` too;
    /// no digits.
    public static func isPersonName(_ value: String) -> Bool {
        // One character is a name only in a script without case (`刘`).
        guard (1...80).contains(value.count), value.count > 1 || value.first?.isCased == false else { return false }
        let words = value.replacingOccurrences(of: ", ", with: " ").split(separator: " ", omittingEmptySubsequences: false)
        guard (1...5).contains(words.count) else { return false }
        let particles: Set<Substring> = [
            "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "la", "le", "bin", "bint", "al", "ibn", "y", "e", "dos", "das", "pan",
            "pani",
        ]
        var capitalised = 0
        for word in words {
            guard let first = word.first, word.allSatisfy({ $0.isLetter || $0 == "'" || $0 == "-" || $0 == "." || $0 == "’" }) else {
                return false
            }
            if first.isUppercase || !first.isCased {
                capitalised += 1
            } else if !particles.contains(word) {
                return false
            }
        }
        return capitalised > 0
    }

    /// A postal address as written on one line or one line of several: words and at least one number (house,
    /// postcode), letters in at least one word of two or more, separated by spaces, commas, dots, `#`, `/` or `-`.
    public static func isPostalAddress(_ value: String) -> Bool {
        guard (5...160).contains(value.count), !value.contains("@"), !value.contains("://") else { return false }
        var hasNumber = false
        var hasWord = false
        for word in value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }) {
            guard word.allSatisfy({ $0.isLetter || $0.isNumber || ".#/-'’°ºª".contains($0) }) else { return false }
            if word.contains(where: \.isNumber) { hasNumber = true }
            if word.filter(\.isLetter).count >= 2 { hasWord = true }
        }
        return hasNumber && hasWord && value.split(separator: " ").count >= 2
    }
}
