import Foundation

/// US Social Security numbers, dates of birth and telephone numbers. Pure.
public enum IdentityValidators {
    /// A US SSN written `AAA-GG-SSSS` (or with spaces or dots): area not 000, 666 or 900–999, group not 00, serial
    /// not 0000 (SSA's rules for numbers ever issued). Nine bare digits are too ambiguous to count.
    public static func isUSSSN(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 11, bytes[3] == bytes[6], [UInt8(ascii: "-"), UInt8(ascii: " "), UInt8(ascii: ".")].contains(bytes[3]) else {
            return false
        }
        let digits = bytes.enumerated().filter { $0.offset != 3 && $0.offset != 6 }.map(\.element)
        guard digits.allSatisfy(NetworkValidators.isDigit) else { return false }
        let number = digits.map { Int($0 - UInt8(ascii: "0")) }
        let area = number[0] * 100 + number[1] * 10 + number[2]
        let group = number[3] * 10 + number[4]
        let serial = number[5...].reduce(0) { $0 * 10 + $1 }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// A calendar date, alone (no time), that a living person's birth could have: between 120 years before `today`
    /// and yesterday. Written `YYYY-MM-DD` (or with `/`, `.`), day and month in either order with one or two digits
    /// and a four- or two-digit year (`5/20/2021`, `21.5.2021`, `05/21/21`), or with an English month name
    /// (`5-May-2021`, `5 May 2021`, `May 5, 2021`). A column's dominant order is the profile's concern; a value
    /// counts when one order makes it a real date.
    public static func isDateOfBirth(_ value: String, today: (year: Int, month: Int, day: Int)) -> Bool {
        let ordinal = { (d: (year: Int, month: Int, day: Int)) in d.year * 10_000 + d.month * 100 + d.day }
        let earliest = (today.year - 120) * 10_000 + today.month * 100 + today.day
        return calendarDates(value, today: today).contains { ordinal($0) >= earliest && ordinal($0) < ordinal(today) }
    }

    /// One part of a written date.
    private enum Part: Equatable {
        case number(Int, digits: Int)
        case month(Int)
    }

    private static let monthNames: [String: Int] = {
        let names = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
        var table: [String: Int] = ["sept": 9]
        for (index, name) in names.enumerated() {
            table[name] = index + 1
            table[String(name.prefix(3))] = index + 1
        }
        return table
    }()

    /// The parts of `value` and the one separator between them (`-`, `/`, `.`, or spaces with an optional comma).
    private static func parts(_ value: String) -> [Part]? {
        guard (6...20).contains(value.utf8.count) else { return nil }
        var parts: [Part] = []
        var separators: Set<String> = []
        var current = ""
        var separator = ""
        func flush() -> Bool {
            guard !current.isEmpty else { return true }
            defer { current = "" }
            if current.allSatisfy(\.isASCII), let number = Int(current), current.first!.isNumber {
                guard current.count <= 4 else { return false }
                parts.append(.number(number, digits: current.count))
                return true
            }
            guard let month = monthNames[current.lowercased()] else { return false }
            parts.append(.month(month))
            return true
        }
        for character in value {
            if character.isASCII, character.isLetter || character.isNumber {
                if !separator.isEmpty {
                    separators.insert(separator.replacingOccurrences(of: ",", with: ""))
                    separator = ""
                }
                if let last = current.last, last.isNumber != character.isNumber { return nil }
                current.append(character)
            } else if ["-", "/", ".", " ", ","].contains(character) {
                guard flush(), !parts.isEmpty, separator.count < 2 else { return nil }
                separator.append(character)
            } else {
                return nil
            }
        }
        guard flush(), separator.isEmpty, separators.count == 1, parts.count == 3 else { return nil }
        return parts
    }

    /// Every reading of `value` as a real calendar date (at most two: day-month and month-day).
    static func calendarDates(_ value: String, today: (year: Int, month: Int, day: Int)) -> [(year: Int, month: Int, day: Int)] {
        guard let parts = parts(value) else { return [] }
        let dotted = value.contains(".")
        func year(_ number: Int, digits: Int) -> Int? {
            switch digits {
            case 4: return number
            case 2: return 2000 + number <= today.year ? 2000 + number : 1900 + number
            default: return nil
            }
        }
        var readings: [(Int, Int, Int)] = []
        switch (parts[0], parts[1], parts[2]) {
        case (.number(let y, 4), .number(let m, let md), .number(let d, let dd)) where md <= 2 && dd <= 2:
            readings.append((y, m, d))
        case (.number(let a, let ad), .number(let b, let bd), .number(let y, let yd)) where ad <= 2 && bd <= 2:
            // A two-digit year only with a two-digit day and month and a slash or hyphen (`05/21/21`): `1.23.66` and
            // `11.10.32` are versions far more often than dates.
            guard yd == 4 || (ad == 2 && bd == 2 && !dotted), let year = year(y, digits: yd) else { return [] }
            readings.append((year, b, a))
            readings.append((year, a, b))
        case (.number(let d, let dd), .month(let m), .number(let y, let yd)) where dd <= 2:
            guard let year = year(y, digits: yd) else { return [] }
            readings.append((year, m, d))
        case (.month(let m), .number(let d, let dd), .number(let y, let yd)) where dd <= 2:
            guard let year = year(y, digits: yd) else { return [] }
            readings.append((year, m, d))
        default: return []
        }
        return readings.filter { isValid(year: $0.0, month: $0.1, day: $0.2) }.map { (year: $0.0, month: $0.1, day: $0.2) }
    }

    static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// A telephone number, checked against the numbering plan of a region (libphonenumber's metadata: country
    /// calling code, trunk prefix, valid lengths and number ranges): international with `+` or `00` (`+90 532 123 45
    /// 67`), a country code written without them (`91-415-555-0132`), or a national number with its trunk prefix or
    /// without (`020 7946 0958`, `(212) 555-0199`, `532 123 45 67`). Numbers written without `+` or `00` need
    /// separators: bare digit strings are left out, since order numbers and ids look the same.
    public static func isPhone(_ value: String) -> Bool {
        var text = Substring(value)
        var international = false
        if text.hasPrefix("+") {
            international = true
            text = text.dropFirst()
        } else if text.hasPrefix("00") {
            international = true
            text = text.dropFirst(2)
        }
        var digits = ""
        var groups: [Int] = [0]
        var openParenthesis = false
        for character in text {
            switch character {
            case "0"..."9":
                digits.append(character)
                groups[groups.count - 1] += 1
            case " ", "-", ".":
                if groups[groups.count - 1] > 0 { groups.append(0) }
            case "(" where !openParenthesis:
                openParenthesis = true
                if groups[groups.count - 1] > 0 { groups.append(0) }
            case ")" where openParenthesis:
                openParenthesis = false
                if groups[groups.count - 1] > 0 { groups.append(0) }
            default: return false
            }
        }
        guard !openParenthesis, (7...15).contains(digits.count), let first = digits.first, first != "0" || !international else { return false }
        let plan = PhoneNumberingPlan.shared
        if international { return plan.acceptsInternational(digits) }
        let written = groups.filter { $0 > 0 }
        // A last group of one digit is an ISBN's or a reference's check digit, not a subscriber number.
        guard written.count > 1, written.last != 1, !isDateShaped(written, text) else { return false }
        if written[0] <= 3, plan.regionsByCountryCode[String(digits.prefix(written[0]))] != nil, digits.count >= 10,
            plan.acceptsInternational(digits)
        {
            return true
        }
        // Short national numbers only in three groups or more (`22 34 56`): two groups of seven digits are as often a
        // plate or a reference; one dot between digits is a decimal number.
        let decimal = written.count == 2 && text.contains(".")
        return !decimal && (digits.count >= 8 || written.count >= 3) && (6...12).contains(digits.count) && plan.acceptsNational(digits)
    }

    /// Three groups laid out as a date is (`2048-01-01`, `30.02.2004`), valid or not: never a telephone number.
    private static func isDateShaped(_ groups: [Int], _ text: Substring) -> Bool {
        guard groups.count == 3, Set(text.filter { !$0.isNumber }).count == 1 else { return false }
        return (groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2) || (groups[0] <= 2 && groups[1] <= 2 && [2, 4].contains(groups[2]))
    }
}
