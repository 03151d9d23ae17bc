/// A kind of personal data the value classifier recognises by validation, not by pattern alone.
public enum PIIKind: String, Sendable, Codable, CaseIterable, Comparable {
    case email
    case phone
    case creditCard = "credit_card"
    case iban
    case usSSN = "us_ssn"
    case ipAddress = "ip_address"
    case dateOfBirth = "date_of_birth"
    case ukNINO = "uk_nino"
    case ukNHS = "uk_nhs"
    case deTaxID = "de_tax_id"
    case frNIR = "fr_nir"
    case esDNI = "es_dni"
    case nlBSN = "nl_bsn"
    case itFiscalCode = "it_fiscal_code"
    case sePersonnummer = "se_personnummer"
    /// Only with the column's name or a glossary term saying so (`ColumnContext`): no value alone proves it.
    case personName = "person_name"
    /// Only with the column's name or a glossary term saying so (`ColumnContext`).
    case postalAddress = "postal_address"

    /// The order values are tested in: the most specific shapes first, so a value counts for one kind only
    /// (an IPv4 address is never read as a phone number, a card number never as a phone).
    /// National identifiers with strong checks (mod 97, check letters) come before cards (Luhn, one in ten); an NHS
    /// number before a phone number it may look like.
    public static let precedence: [PIIKind] = [
        .email, .ipAddress, .iban, .frNIR, .itFiscalCode, .esDNI, .ukNINO, .sePersonnummer, .deTaxID, .creditCard, .usSSN, .ukNHS,
        .nlBSN, .dateOfBirth, .phone,
    ]

    public static func < (lhs: PIIKind, rhs: PIIKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The DataHub tag name the plan proposes for a field of this kind: `pii:<kind>`.
    public var tagName: String { "pii:\(rawValue)" }
}
