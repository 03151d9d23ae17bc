import Discovery
import Foundation

/// A reproducible generator (SplitMix64), so every run sees the same corpus.
struct CorpusRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A labelled corpus: at least 200 generated values per kind, and hard negatives (Luhn-valid order numbers,
/// UUIDs, hashes, timestamps, IBANs and cards with a wrong check digit, versions, SKUs, prose). Nothing in it is
/// a real person's data.
struct LabelledCorpus {
    var random = CorpusRandom(state: 20_261_127)
    var samples: [(value: String, kind: PIIKind?)] = []

    static let perKind = 250

    init() {
        for _ in 0..<Self.perKind {
            samples.append((email(), .email))
            samples.append((phone(), .phone))
            samples.append((card(), .creditCard))
            samples.append((iban(), .iban))
            samples.append((ssn(), .usSSN))
            samples.append((ip(), .ipAddress))
            samples.append((birthDate(), .dateOfBirth))
            for negative in hardNegatives() { samples.append((negative, nil)) }
        }
    }

    mutating func digits(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 0...9, using: &random) } }
    mutating func pick<T>(_ options: [T]) -> T { options.randomElement(using: &random)! }
    mutating func word(_ range: ClosedRange<Int> = 3...9) -> String {
        String((0..<Int.random(in: range, using: &random)).map { _ in pick(Array("abcdefghijklmnopqrstuvwxyz")) })
    }

    mutating func email() -> String {
        let local = pick([
            word(), "\(word()).\(word())", "\(word())+\(word(2...5))", "\(word())_\(Int.random(in: 1...999, using: &random))",
            "\(word()).\(word())-\(word(1...3))",
        ])
        let domain = pick(["\(word()).com", "\(word()).co.uk", "mail.\(word()).de", "\(word())-\(word()).org", "\(word()).example"])
        return pick([local, local.uppercased(), local.capitalized]) + "@" + domain
    }

    mutating func phone() -> String {
        let d = digits(10).map(String.init).joined()
        // Area codes in service (libphonenumber checks them); exchanges 2–9 as NANP assigns them.
        let area = pick(["212", "415", "312", "617", "206", "303", "512", "713", "305", "404", "416", "604"])
        let exchange = "\(Int.random(in: 2...9, using: &random))\(d.dropFirst(2).prefix(2))"
        let line = String(d.suffix(4))
        return pick([
            "+1 \(area)-\(exchange)-\(line)", "(\(area)) \(exchange)-\(line)", "\(area).\(exchange).\(line)",
            "+44 20 \(exchange)\(d.prefix(1)) \(line)",
            "020 \(exchange)\(d.prefix(1)) \(line)", "+49 30 \(d.prefix(7))",
            "+33 \(Int.random(in: 1...9, using: &random)) \(d.prefix(2)) \(d.dropFirst(2).prefix(2)) \(d.dropFirst(4).prefix(2)) \(d.suffix(2))",
            "+4420\(exchange)\(d.prefix(1))\(line)", "0151 \(d.prefix(8))",
        ])
    }

    /// A number with `prefix`, `length` digits and a valid Luhn check digit.
    mutating func luhnNumber(prefix: [Int], length: Int) -> [Int] {
        var number = prefix + digits(length - prefix.count - 1)
        for check in 0...9 where FinancialValidators.luhn(number + [check]) {
            number.append(check)
            break
        }
        return number
    }

    mutating func card() -> String {
        let (prefix, length): ([Int], Int) = pick([
            ([4], 16), ([4], 13), ([5, Int.random(in: 1...5, using: &random)], 16), ([3, 4], 15), ([3, 7], 15), ([6, 0, 1, 1], 16),
            ([3, 5, 3, 0], 16),
        ])
        let number = luhnNumber(prefix: prefix, length: length).map(String.init).joined()
        guard length == 16, Bool.random(using: &random) else { return number }
        let groups = stride(from: 0, to: 16, by: 4).map { Array(number)[$0..<($0 + 4)] }.map { String($0) }
        return groups.joined(separator: pick([" ", "-"]))
    }

    mutating func iban() -> String {
        // Countries without national check digits (those with them are checked on the registry's examples).
        let (country, length) = pick([("DE", 22), ("GB", 22), ("NL", 18), ("CH", 21), ("AT", 20), ("DK", 18)])
        var bban = digits(length - 4).map(String.init).joined()
        if country == "GB" || country == "NL" { bban = "\(word(4...4).uppercased())\(bban.dropFirst(4))" }
        var remainder = 0
        for character in bban + country + "00" {
            if let digit = character.wholeNumberValue {
                remainder = (remainder * 10 + digit) % 97
            } else {
                remainder = (remainder * 100 + Int(character.asciiValue! - 55)) % 97
            }
        }
        let check = String(format: "%02d", 98 - remainder)
        let compact = country + check + bban
        guard Bool.random(using: &random) else { return compact }
        return stride(from: 0, to: compact.count, by: 4).map { String(Array(compact)[$0..<min($0 + 4, compact.count)]) }.joined(separator: " ")
    }

    mutating func ssn() -> String {
        var area = Int.random(in: 1...899, using: &random)
        if area == 666 { area = 667 }
        return String(
            format: "%03d%@%02d%@%04d", area, pick(["-", "-", " "]), Int.random(in: 1...99, using: &random), "-",
            Int.random(in: 1...9999, using: &random)
        )
        .replacingOccurrences(of: " ", with: "-")
    }

    mutating func ip() -> String {
        if Bool.random(using: &random) { return (0..<4).map { _ in String(Int.random(in: 0...255, using: &random)) }.joined(separator: ".") }
        let groups = (0..<8).map { _ in String(Int.random(in: 0...0xffff, using: &random), radix: 16) }
        return pick([
            groups.joined(separator: ":"), "\(groups[0]):\(groups[1])::\(groups[7])", "fe80::\(groups[6]):\(groups[7])",
            "::ffff:10.\(Int.random(in: 0...255, using: &random)).0.1",
        ])
    }

    mutating func birthDate() -> String {
        let year = Int.random(in: 1930...2012, using: &random)
        let month = Int.random(in: 1...12, using: &random)
        let day = Int.random(in: 1...28, using: &random)
        return pick([
            String(format: "%04d-%02d-%02d", year, month, day), String(format: "%02d/%02d/%04d", day, month, year),
            String(format: "%02d.%02d.%04d", day, month, year),
        ])
    }

    mutating func hardNegatives() -> [String] {
        let uuid = UUID(uuid: (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }.withUnsafeBytes { $0.load(as: uuid_t.self) }).uuidString
        let hash = (0..<32).map { _ in String(format: "%02x", Int.random(in: 0...255, using: &random)) }.joined()
        let orderLuhn12 = luhnNumber(prefix: [Int.random(in: 1...9, using: &random)], length: 12).map(String.init).joined()
        let orderLuhn16 = luhnNumber(prefix: [9], length: 16).map(String.init).joined()
        var badCard = Array(card().filter(\.isNumber)).compactMap(\.wholeNumberValue)
        badCard[badCard.count - 1] = (badCard[badCard.count - 1] + 1) % 10
        var badIBAN = Array(iban().replacingOccurrences(of: " ", with: ""))
        badIBAN[3] = badIBAN[3] == "9" ? "0" : Character(String(badIBAN[3].wholeNumberValue! + 1))
        return [
            uuid, hash, String(hash.prefix(32)), orderLuhn12, orderLuhn16,
            "ORD-\(Int.random(in: 2019...2026, using: &random))-\(digits(6).map(String.init).joined())",
            badCard.map(String.init).joined(), String(badIBAN),
            "SKU-\(word(2...2).uppercased())\(digits(2).map(String.init).joined())-\(digits(3).map(String.init).joined())",
            String(
                format: "2024-%02d-%02dT%02d:15:00Z", Int.random(in: 1...12, using: &random), Int.random(in: 1...28, using: &random),
                Int.random(in: 0...23, using: &random)),
            String(format: "20%02d-02-30", Int.random(in: 0...24, using: &random)),
            String(format: "%04d-%02d-01", Int.random(in: 2030...2090, using: &random), Int.random(in: 1...12, using: &random)),
            "\(Int.random(in: 1...20, using: &random)).\(Int.random(in: 0...40, using: &random)).\(Int.random(in: 0...99, using: &random))",
            digits(10).map(String.init).joined(), "\(Int.random(in: 1...99_999, using: &random)).\(Int.random(in: 10...99, using: &random))",
            "\(word()) \(word()) \(word())", "https://\(word()).com/\(word())?id=\(digits(5).map(String.init).joined())", "\(word())@", "@\(word())",
            "000-\(digits(2).map(String.init).joined())-1234",
            "978-\(digits(1)[0])-\(digits(2).map(String.init).joined())-\(digits(6).map(String.init).joined())-\(digits(1)[0])",
        ]
    }
}
