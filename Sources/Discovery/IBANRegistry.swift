/// The SWIFT IBAN registry: every country's IBAN length and BBAN structure (`IBANRegistry+Table.swift`), and the
/// national check digits of the countries that define them. Pure.
enum IBANRegistry {
    /// What one BBAN position may hold.
    enum Position: Sendable, Equatable {
        case digit, letter, either, blank

        func accepts(_ byte: UInt8) -> Bool {
            switch self {
            case .digit: return NetworkValidators.isDigit(byte)
            case .letter: return (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            case .either: return NetworkValidators.isDigit(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            case .blank: return byte == UInt8(ascii: " ")
            }
        }
    }

    struct Country: Sendable {
        var length: Int
        var bban: [Position]
    }

    /// The countries by their two-letter code.
    static let countries: [String: Country] = {
        var countries: [String: Country] = [:]
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let length = Int(fields[1]) else { continue }
            countries[String(fields[0])] = Country(length: length, bban: positions(fields[2]))
        }
        return countries
    }()

    /// `4!n4!n12!c` as positions: a count, `!` (fixed length), and `n` digits, `a` capital letters, `c` either, `e` blank.
    static func positions(_ spec: Substring) -> [Position] {
        var positions: [Position] = []
        var count = 0
        for character in spec {
            switch character {
            case "0"..."9": count = count * 10 + (character.wholeNumberValue ?? 0)
            case "!": continue
            case "n", "a", "c", "e":
                let position: Position = character == "n" ? .digit : character == "a" ? .letter : character == "c" ? .either : .blank
                positions += Array(repeating: position, count: count)
                count = 0
            default: continue
            }
        }
        return positions
    }

    /// Whether the BBAN (capital letters and digits) of `country` holds its national check digits, where the country
    /// defines them: Belgium, Spain, France and Monaco, Italy and San Marino, Portugal. True elsewhere.
    static func nationalCheckHolds(country: String, bban: [UInt8]) -> Bool {
        switch country {
        case "BE": return belgian(bban)
        case "ES": return spanish(bban)
        case "FR", "MC": return french(bban)
        case "IT", "SM": return italian(bban)
        case "PT": return portuguese(bban)
        default: return true
        }
    }

    private static func digitValues(_ bytes: ArraySlice<UInt8>) -> [Int] { bytes.map { Int($0) - 48 } }

    /// The remainder of a decimal string of any length modulo `m`.
    private static func remainder(_ digits: [Int], _ m: Int) -> Int { digits.reduce(0) { ($0 * 10 + $1) % m } }

    /// Belgium: the last two digits are the first ten modulo 97 (97 when that is 0).
    private static func belgian(_ bban: [UInt8]) -> Bool {
        guard bban.count == 12 else { return false }
        let check = remainder(digitValues(bban[0..<10]), 97)
        return (check == 0 ? 97 : check) == remainder(digitValues(bban[10..<12]), 100)
    }

    /// Spain: two control digits, over the bank and branch (padded with 00) and over the account, weights 1, 2, 4, …
    private static func spanish(_ bban: [UInt8]) -> Bool {
        guard bban.count == 20 else { return false }
        let weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
        func control(_ digits: [Int]) -> Int {
            let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
            let digit = 11 - sum % 11
            return digit == 11 ? 0 : digit == 10 ? 1 : digit
        }
        let first = control([0, 0] + digitValues(bban[0..<8]))
        let second = control(digitValues(bban[10..<20]))
        return digitValues(bban[8..<10]) == [first, second]
    }

    /// France and Monaco: the RIB key, 97 − (89 × bank + 15 × branch + 3 × account) mod 97, letters of the account
    /// read as digits (A, J → 1; B, K, S → 2; …).
    private static func french(_ bban: [UInt8]) -> Bool {
        guard bban.count == 23 else { return false }
        let digits = bban.map { byte -> Int in
            if NetworkValidators.isDigit(byte) { return Int(byte) - 48 }
            let index = Int(byte) - 65
            return [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5, 6, 7, 8, 9][index]
        }
        let bank = remainder(Array(digits[0..<5]), 97)
        let branch = remainder(Array(digits[5..<10]), 97)
        let account = remainder(Array(digits[10..<21]), 97)
        let key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
        return key == remainder(Array(digits[21..<23]), 100)
    }

    /// Italy and San Marino: the CIN letter over the other 22 characters (odd positions by a table, even ones by value).
    private static func italian(_ bban: [UInt8]) -> Bool {
        guard bban.count == 23, (65...90).contains(bban[0]) else { return false }
        let odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
        var sum = 0
        for (offset, byte) in bban[1...].enumerated() {
            let value = NetworkValidators.isDigit(byte) ? Int(byte) - 48 : Int(byte) - 65
            sum += offset % 2 == 0 ? odd[value] : value
        }
        return Int(bban[0]) - 65 == sum % 26
    }

    /// Portugal: the NIB's last two digits are 98 − (the first nineteen × 100) mod 97.
    private static func portuguese(_ bban: [UInt8]) -> Bool {
        guard bban.count == 21 else { return false }
        let check = 98 - remainder(digitValues(bban[0..<19]) + [0, 0], 97)
        return check == remainder(digitValues(bban[19..<21]), 100)
    }
}
