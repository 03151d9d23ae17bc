/// National identifiers with their published check digits. Pure. Each accepts the number as written, with the
/// separators its country prints (spaces, and `-` or `+` where the country uses them).
public enum NationalIDValidators {
    /// The value's ASCII letters (upper-cased) and digits, when everything else in it is a space, `-` or `.`.
    static func compact(_ value: String, also: Set<UInt8> = []) -> [UInt8]? {
        var bytes: [UInt8] = []
        for byte in value.utf8 {
            if NetworkValidators.isAlphanumeric(byte) {
                bytes.append((UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte)
            } else if ![UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: ".")].contains(byte), !also.contains(byte) {
                return nil
            }
        }
        return bytes
    }

    private static func digits(_ bytes: some Collection<UInt8>) -> [Int]? {
        bytes.allSatisfy(NetworkValidators.isDigit) ? bytes.map { Int($0) - 48 } : nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }

    /// UK National Insurance number (HMRC's rules): two prefix letters (not D, F, I, Q, U, V; the second not O;
    /// not BG, GB, KN, NK, NT, TN or ZZ), six digits, a suffix A–D.
    public static func isUKNINO(_ value: String) -> Bool {
        guard let n = compact(value), n.count == 9, isLetter(n[0]), isLetter(n[1]), digits(n[2..<8]) != nil,
            (UInt8(ascii: "A")...UInt8(ascii: "D")).contains(n[8])
        else { return false }
        let never = Set("DFIQUV".utf8)
        let prefix = String(decoding: n[0..<2], as: UTF8.self)
        return !never.contains(n[0]) && !never.contains(n[1]) && n[1] != UInt8(ascii: "O")
            && !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(prefix)
    }

    /// UK NHS number: ten digits, bare or grouped `3 3 4` (spaces or hyphens), the last a modulus-11 check over the
    /// first nine (weights 10…2). Other groupings are ISBN-10s, whose check is the same.
    public static func isUKNHS(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        if bytes.count == 12 {
            guard bytes[3] == bytes[7], bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-") else { return false }
        } else if bytes.count != 10 {
            return false
        }
        guard let n = compact(value), n.count == 10, let d = digits(n) else { return false }
        let sum = zip(d.prefix(9), stride(from: 10, through: 2, by: -1)).reduce(0) { $0 + $1.0 * $1.1 }
        let check = 11 - sum % 11
        return check != 10 && (check == 11 ? 0 : check) == d[9] && Set(d).count > 1
    }

    /// German tax identification number (Steuer-IdNr): eleven digits, the first not 0; in the first ten one digit
    /// appears twice or three times and every other at most once; an ISO 7064 MOD 11,10 check digit.
    public static func isDETaxID(_ value: String) -> Bool {
        guard let n = compact(value), n.count == 11, let d = digits(n), d[0] != 0 else { return false }
        var counts = [Int](repeating: 0, count: 10)
        for digit in d.prefix(10) { counts[digit] += 1 }
        guard counts.filter({ $0 == 2 || $0 == 3 }).count == 1, counts.allSatisfy({ $0 <= 3 }), counts.filter({ $0 > 1 }).count == 1 else {
            return false
        }
        var product = 10
        for digit in d.prefix(10) {
            var sum = (digit + product) % 10
            if sum == 0 { sum = 10 }
            product = (sum * 2) % 11
        }
        let check = 11 - product
        return (check == 10 ? 0 : check) == d[10]
    }

    /// French social security number (NIR): sex, year, month, department (`2A`/`2B` for Corsica), commune and order,
    /// then a key of 97 − (the thirteen digits mod 97).
    public static func isFRNIR(_ value: String) -> Bool {
        guard var n = compact(value), n.count == 15, [1, 2, 3, 4, 7, 8].contains(Int(n[0]) - 48) else { return false }
        var corsica = 0
        if n[5] == UInt8(ascii: "2"), n[6] == UInt8(ascii: "A") || n[6] == UInt8(ascii: "B") {
            corsica = n[6] == UInt8(ascii: "A") ? 1_000_000 : 2_000_000
            n[6] = UInt8(ascii: "0")
        }
        guard let d = digits(n) else { return false }
        let month = d[3] * 10 + d[4]
        guard (1...12).contains(month) || (20...42).contains(month) || (50...99).contains(month) else { return false }
        let number = d.prefix(13).reduce(0) { $0 * 10 + $1 } - corsica
        return 97 - number % 97 == d[13] * 10 + d[14]
    }

    private static let dniLetters = Array("TRWAGMYFPDXBNJZSQVHLCKE".utf8)

    /// Spanish DNI (eight digits and a check letter) or NIE (X, Y or Z, seven digits and the check letter).
    public static func isESDNI(_ value: String) -> Bool {
        guard var n = compact(value), n.count == 9, isLetter(n[8]) else { return false }
        if let prefix = "XYZ".utf8.firstIndex(of: n[0]) {
            n[0] = UInt8(ascii: "0") + UInt8("XYZ".utf8.distance(from: "XYZ".utf8.startIndex, to: prefix))
        }
        guard let d = digits(n[0..<8]) else { return false }
        return dniLetters[d.reduce(0) { $0 * 10 + $1 } % 23] == n[8]
    }

    /// Dutch citizen service number (BSN): nine digits, bare or written `1234.56.782`, passing the eleven-test
    /// (weights 9…2, and −1 for the last).
    public static func isNLBSN(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 9 || (bytes.count == 11 && bytes[4] == UInt8(ascii: ".") && bytes[7] == UInt8(ascii: ".")) else { return false }
        guard let n = compact(value), n.count == 9, let d = digits(n), d.contains(where: { $0 != 0 }) else { return false }
        let sum = zip(d.prefix(8), stride(from: 9, through: 2, by: -1)).reduce(0) { $0 + $1.0 * $1.1 } - d[8]
        return sum % 11 == 0
    }

    /// Italian fiscal code (codice fiscale): six letters, birth year, month letter, day (plus 40 for women), the
    /// place's code, and a check letter; digits may be replaced by letters (omocodia).
    public static func isITFiscalCode(_ value: String) -> Bool {
        guard let n = compact(value), n.count == 16 else { return false }
        let omocodia = Array("LMNPQRSTUV".utf8)
        func digit(_ byte: UInt8) -> Int? {
            NetworkValidators.isDigit(byte) ? Int(byte) - 48 : omocodia.firstIndex(of: byte)
        }
        guard n[0..<6].allSatisfy(isLetter), isLetter(n[11]), isLetter(n[15]), "ABCDEHLMPRST".utf8.contains(n[8]),
            [6, 7, 9, 10, 12, 13, 14].allSatisfy({ digit(n[$0]) != nil }), let d1 = digit(n[9]), let d2 = digit(n[10])
        else { return false }
        let day = (d1 * 10 + d2) % 40
        guard (1...31).contains(day) else { return false }
        let odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
        var sum = 0
        for (index, byte) in n.prefix(15).enumerated() {
            let value = NetworkValidators.isDigit(byte) ? Int(byte) - 48 : Int(byte) - 65
            sum += index % 2 == 0 ? odd[value] : value
        }
        return Int(n[15]) - 65 == sum % 26
    }

    /// Swedish personal identity number: `YYMMDD-NNNN` (`+` past 100 years), or with the century; a real date (the
    /// day plus 60 for a coordination number) and a Luhn check over the ten digits.
    public static func isSEPersonnummer(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        let separator = bytes.firstIndex { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }
        let digitsOnly = bytes.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "+") }
        guard bytes.count - digitsOnly.count <= 1, var d = digits(digitsOnly) else { return false }
        if let separator { guard separator == bytes.count - 5 else { return false } }
        switch d.count {
        case 12:
            guard [18, 19, 20].contains(d[0] * 10 + d[1]) else { return false }
            d.removeFirst(2)
        case 10: break
        default: return false
        }
        let month = d[2] * 10 + d[3]
        var day = d[4] * 10 + d[5]
        if day > 60 { day -= 60 }
        guard (1...12).contains(month), (1...31).contains(day) else { return false }
        return FinancialValidators.luhn(d)
    }
}
