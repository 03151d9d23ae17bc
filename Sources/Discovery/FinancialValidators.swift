/// Payment card numbers and IBANs: shape, issuer ranges and check digits. Pure.
public enum FinancialValidators {
    /// A payment card number: 13–19 digits (spaces or hyphens between groups allowed) whose issuer prefix and
    /// length belong to a card network, and whose Luhn check digit holds. A number that merely passes Luhn (one
    /// in ten random numbers does) is not enough.
    public static func isCreditCard(_ value: String) -> Bool {
        guard let digits = digitsWithSeparators(value, allowed: [" ", "-"]), (13...19).contains(digits.count) else { return false }
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

    /// Visa, Mastercard, American Express, Discover, JCB, Diners Club and UnionPay prefixes with their lengths.
    static func issuerAccepts(_ digits: [Int]) -> Bool {
        func prefix(_ count: Int) -> Int { digits.prefix(count).reduce(0) { $0 * 10 + $1 } }
        let length = digits.count
        switch true {
        case digits[0] == 4: return [13, 16, 19].contains(length)  // Visa
        case (51...55).contains(prefix(2)), (2221...2720).contains(prefix(4)): return length == 16  // Mastercard
        case [34, 37].contains(prefix(2)): return length == 15  // American Express
        case prefix(4) == 6011, prefix(2) == 65, (644...649).contains(prefix(3)): return (16...19).contains(length)  // Discover
        case (3528...3589).contains(prefix(4)): return (16...19).contains(length)  // JCB
        case (300...305).contains(prefix(3)), [36, 38, 39].contains(prefix(2)): return (14...19).contains(length)  // Diners Club
        case prefix(2) == 62: return (16...19).contains(length)  // UnionPay
        default: return false
        }
    }

    /// IBAN lengths by country (ISO 13616 registry, the countries of SEPA and the most common others).
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
        "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
        "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
        "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
        "SM": 27, "TR": 26, "UA": 29,
    ]

    /// An IBAN (ISO 13616): a registered country, its length, and check digits that make the number ≡ 1 (mod 97).
    /// Spaces between groups of four are allowed, as printed.
    public static func isIBAN(_ value: String) -> Bool {
        let compact = Array(value.utf8.filter { $0 != UInt8(ascii: " ") }).map { byte -> UInt8 in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
        }
        guard compact.count >= 15, compact.count <= 34, value.utf8.first != UInt8(ascii: " ") else { return false }
        let country = String(decoding: compact[0..<2], as: UTF8.self)
        guard let length = ibanLengths[country], compact.count == length, NetworkValidators.isDigit(compact[2]),
            NetworkValidators.isDigit(compact[3]),
            compact.allSatisfy(NetworkValidators.isAlphanumeric)
        else { return false }
        var remainder = 0
        for byte in compact[4...] + compact[..<4] {
            if NetworkValidators.isDigit(byte) {
                remainder = (remainder * 10 + Int(byte - UInt8(ascii: "0"))) % 97
            } else {
                remainder = (remainder * 100 + Int(byte - UInt8(ascii: "A")) + 10) % 97
            }
        }
        return remainder == 1
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
