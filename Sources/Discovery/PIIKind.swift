/// A kind of personal data the value classifier recognises by validation, not by pattern alone.
public enum PIIKind: String, Sendable, Codable, CaseIterable, Comparable {
    case email
    case phone
    case creditCard = "credit_card"
    case iban
    case usSSN = "us_ssn"
    case ipAddress = "ip_address"
    case dateOfBirth = "date_of_birth"

    /// The order values are tested in: the most specific shapes first, so a value counts for one kind only
    /// (an IPv4 address is never read as a phone number, a card number never as a phone).
    public static let precedence: [PIIKind] = [.email, .ipAddress, .iban, .creditCard, .usSSN, .dateOfBirth, .phone]

    public static func < (lhs: PIIKind, rhs: PIIKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The DataHub tag name the plan proposes for a field of this kind: `pii:<kind>`.
    public var tagName: String { "pii:\(rawValue)" }
}
