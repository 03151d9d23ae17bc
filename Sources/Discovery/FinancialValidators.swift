/// Payment card numbers and IBANs: shape, issuer ranges and check digits. Pure.
public enum FinancialValidators {
    /// A payment card number: 12–19 digits (spaces or hyphens between groups allowed) whose issuer prefix and
    /// length belong to a card network, and whose Luhn check digit holds. A number that merely passes Luhn (one
    /// in ten random numbers does) is not enough.
    public static func isCreditCard(_ value: String) -> Bool {
        guard let digits = digitsWithSeparators(value, allowed: [" ", "-"]), (12...19).contains(digits.count) else { return false }
        return issuerAccepts(digits) && luhn(digits)
    }

    /// The Luhn (mod 10) check over the digits, check digit last.
    public static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    /// A card network's issuer range: the numbers from `low` to `high` in the first `digits` digits, and the
    /// lengths its cards have.
    struct IssuerRange: Sendable {
        var digits: Int
        var low: Int
        var high: Int
        var lengths: ClosedRange<Int>
        var network: String

        init(_ network: String, _ low: Int, _ high: Int? = nil, lengths: ClosedRange<Int>) {
            self.network = network
            self.low = low
            self.high = high ?? low
            self.digits = String(low).count
            self.lengths = lengths
        }
    }

    /// The networks' published issuer identification ranges with their card lengths (ISO/IEC 7812 as each network
    /// publishes it). Co-branded ranges overlap; a number counts when any range accepts it.
    static let issuerRanges: [IssuerRange] = [
        IssuerRange("UATP", 1, lengths: 15...15),
        IssuerRange("JCB", 1800, lengths: 15...15),
        IssuerRange("JCB", 2131, lengths: 15...15),
        IssuerRange("Mir", 2200, 2204, lengths: 16...19),
        IssuerRange("BORICA", 2205, lengths: 16...16),
        IssuerRange("Mastercard", 2221, 2720, lengths: 16...16),
        IssuerRange("Diners Club", 300, 305, lengths: 14...19),
        IssuerRange("Diners Club", 3095, lengths: 14...19),
        IssuerRange("Diners Club", 36, lengths: 14...19),
        IssuerRange("Diners Club", 38, 39, lengths: 14...19),
        IssuerRange("American Express", 34, lengths: 15...15),
        IssuerRange("American Express", 37, lengths: 15...15),
        IssuerRange("RuPay", 353, lengths: 16...16),
        IssuerRange("RuPay", 356, lengths: 16...16),
        IssuerRange("JCB", 3528, 3589, lengths: 16...19),
        IssuerRange("Hipercard", 3841, lengths: 16...19),
        IssuerRange("Visa", 4, lengths: 13...13),
        IssuerRange("Visa", 4, lengths: 16...16),
        IssuerRange("Visa", 4, lengths: 19...19),
        IssuerRange("Dankort", 5019, lengths: 16...16),
        IssuerRange("Maestro", 50, lengths: 16...19),
        IssuerRange("Maestro", 5018, lengths: 12...19),
        IssuerRange("Maestro", 5020, lengths: 12...19),
        IssuerRange("Maestro", 5038, lengths: 12...19),
        IssuerRange("Maestro", 6304, lengths: 12...19),
        IssuerRange("Maestro", 6759, lengths: 12...19),
        IssuerRange("Maestro", 6761, 6763, lengths: 12...19),
        IssuerRange("Verve", 506_099, 506_198, lengths: 16...19),
        IssuerRange("Verve", 507_865, 507_964, lengths: 16...19),
        IssuerRange("RuPay", 508, lengths: 16...16),
        IssuerRange("Mastercard", 51, 55, lengths: 16...16),
        IssuerRange("Maestro", 56, 69, lengths: 16...19),
        IssuerRange("RuPay", 60, lengths: 16...16),
        IssuerRange("Discover", 6011, lengths: 16...19),
        IssuerRange("UnionPay", 62, lengths: 16...19),
        IssuerRange("InterPayment", 636, lengths: 16...19),
        IssuerRange("InstaPayment", 637, 639, lengths: 16...16),
        IssuerRange("Discover", 644, 649, lengths: 16...19),
        IssuerRange("Discover", 65, lengths: 16...19),
        IssuerRange("Verve", 650_002, 650_027, lengths: 16...19),
        IssuerRange("UnionPay", 81, lengths: 16...19),
        IssuerRange("RuPay", 82, lengths: 16...16),
        IssuerRange("Troy", 9792, lengths: 16...16),
    ]

    /// Whether a card network issues numbers of this prefix and length.
    static func issuerAccepts(_ digits: [Int]) -> Bool {
        issuerRanges.contains { range in
            guard range.lengths.contains(digits.count), digits.count >= range.digits else { return false }
            let prefix = digits.prefix(range.digits).reduce(0) { $0 * 10 + $1 }
            return (range.low...range.high).contains(prefix)
        }
    }

    /// An IBAN (ISO 13616) as the SWIFT registry defines it for its country: the country's length, its BBAN
    /// structure position by position, check digits that make the number ≡ 1 (mod 97), and the country's national
    /// check digits where it defines them. Separators between groups (space, `-`, `.`) are allowed, as printed.
    public static func isIBAN(_ value: String) -> Bool {
        var compact: [UInt8] = []
        var previousSeparator = true
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") {
                guard !previousSeparator else { return false }
                previousSeparator = true
            } else {
                compact.append((UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte)
                previousSeparator = false
            }
        }
        guard !previousSeparator, compact.count >= 15, compact.count <= 34 else { return false }
        let country = String(decoding: compact[0..<2], as: UTF8.self)
        guard let entry = IBANRegistry.countries[country], compact.count == entry.length,
            NetworkValidators.isDigit(compact[2]), NetworkValidators.isDigit(compact[3])
        else { return false }
        let bban = Array(compact[4...])
        guard bban.count == entry.bban.count, zip(entry.bban, bban).allSatisfy({ $0.accepts($1) }) else { return false }
        var remainder = 0
        for byte in bban + compact[..<4] {
            if NetworkValidators.isDigit(byte) {
                remainder = (remainder * 10 + Int(byte - UInt8(ascii: "0"))) % 97
            } else if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) {
                remainder = (remainder * 100 + Int(byte - UInt8(ascii: "A")) + 10) % 97
            } else {
                return false
            }
        }
        return remainder == 1 && IBANRegistry.nationalCheckHolds(country: country, bban: bban)
    }

    /// The digits of `value` when it holds only digits and single separators from `allowed` between them.
    static func digitsWithSeparators(_ value: String, allowed: Set<Character>) -> [Int]? {
        var digits: [Int] = []
        var previousSeparator = true  // no leading separator
        for character in value {
            if let digit = character.wholeNumberValue, character.isASCII {
                digits.append(digit)
                previousSeparator = false
            } else if allowed.contains(character), !previousSeparator {
                previousSeparator = true
            } else {
                return nil
            }
        }
        return previousSeparator && !digits.isEmpty ? nil : digits
    }
}
