import Foundation

/// US Social Security numbers, dates of birth and telephone numbers. Pure.
public enum IdentityValidators {
    /// A US SSN written `AAA-GG-SSSS` (or with spaces): area not 000, 666 or 900–999, group not 00, serial not
    /// 0000 (SSA's rules for numbers ever issued). Nine bare digits are too ambiguous to count.
    public static func isUSSSN(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 11, bytes[3] == bytes[6], [UInt8(ascii: "-"), UInt8(ascii: " ")].contains(bytes[3]) else { return false }
        let digits = bytes.enumerated().filter { $0.offset != 3 && $0.offset != 6 }.map(\.element)
        guard digits.allSatisfy(NetworkValidators.isDigit) else { return false }
        let number = digits.map { Int($0 - UInt8(ascii: "0")) }
        let area = number[0] * 100 + number[1] * 10 + number[2]
        let group = number[3] * 10 + number[4]
        let serial = number[5...].reduce(0) { $0 * 10 + $1 }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// A calendar date, alone (no time), written `YYYY-MM-DD`, `DD/MM/YYYY`, `MM/DD/YYYY` or `DD.MM.YYYY`, that a
    /// living person's birth could have: between 120 years before `today` and yesterday.
    public static func isDateOfBirth(_ value: String, today: (year: Int, month: Int, day: Int)) -> Bool {
        guard let date = calendarDate(value) else { return false }
        let ordinal = { (d: (year: Int, month: Int, day: Int)) in d.year * 10_000 + d.month * 100 + d.day }
        let earliest = (today.year - 120) * 10_000 + today.month * 100 + today.day
        return ordinal(date) >= earliest && ordinal(date) < ordinal(today)
    }

    /// The date a value spells, when it is a real calendar date in one of the accepted layouts.
    static func calendarDate(_ value: String) -> (year: Int, month: Int, day: Int)? {
        let bytes = Array(value.utf8)
        guard bytes.count == 10 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            let slice = bytes[range]
            guard slice.allSatisfy(NetworkValidators.isDigit) else { return nil }
            return slice.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        var candidates: [(Int, Int, Int)] = []
        if bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) {
            candidates.append((y, m, d))
        } else if bytes[2] == bytes[5], [UInt8(ascii: "/"), UInt8(ascii: ".")].contains(bytes[2]), let a = number(0..<2), let b = number(3..<5),
            let y = number(6..<10)
        {
            candidates.append((y, b, a))  // day first
            if bytes[2] == UInt8(ascii: "/") { candidates.append((y, a, b)) }  // month first (US)
        }
        return candidates.first { isValid(year: $0.0, month: $0.1, day: $0.2) }.map { (year: $0.0, month: $0.1, day: $0.2) }
    }

    static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// A telephone number: E.164 (`+` and 8–15 digits, country code not starting with 0) or a national number of
    /// 10–11 digits written with separators (`(212) 555-0199`, `020 7946 0958`, `212.555.0199`). Bare digit
    /// strings are left out: order numbers and ids look the same.
    public static func isPhone(_ value: String) -> Bool {
        var text = Substring(value)
        let international = text.hasPrefix("+")
        if international { text = text.dropFirst() }
        var digits: [Int] = []
        var separators = 0
        var openParenthesis = false
        for character in text {
            switch character {
            case "0"..."9": digits.append(character.wholeNumberValue!)
            case " ", "-", ".": separators += 1
            case "(" where !openParenthesis:
                openParenthesis = true
                separators += 1
            case ")" where openParenthesis: openParenthesis = false
            default: return false
            }
        }
        guard !openParenthesis, let first = digits.first else { return false }
        if international { return (8...15).contains(digits.count) && first != 0 }
        guard separators > 0 else { return false }
        if digits.count == 10, first != 0 { return digits[0] >= 2 && digits[3] >= 2 }  // NANP: area and exchange start 2–9
        if digits.count == 11, first == 1 { return digits[1] >= 2 && digits[4] >= 2 }
        return first == 0 && (10...11).contains(digits.count) && digits[1] != 0  // trunk prefix 0 (UK, DE, FR, …)
    }
}
