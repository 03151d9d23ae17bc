import Foundation

/// Telephone numbering plans in the style of libphonenumber's metadata (`PhoneNumberingPlan+Table.swift`): per
/// region its country calling code, trunk prefix, valid national lengths and the pattern every valid national
/// number matches. Pure.
struct PhoneNumberingPlan: Sendable {
    struct Region: @unchecked Sendable {
        var code: String
        var countryCode: String
        var trunkPrefix: String?
        var lengths: Set<Int>
        /// The whole national number must match (NSRegularExpression is immutable once built, so shared safely).
        var pattern: NSRegularExpression

        func accepts(_ national: String) -> Bool {
            guard lengths.contains(national.utf8.count) else { return false }
            let range = NSRange(national.startIndex..., in: national)
            return pattern.firstMatch(in: national, options: [.anchored], range: range)?.range == range
        }
    }

    /// Regions by their country calling code.
    let regionsByCountryCode: [String: [Region]]
    /// Every region, for national numbers written without a country code.
    let regions: [Region]

    static let shared = PhoneNumberingPlan()

    private init() {
        var byCode: [String: [Region]] = [:]
        var regions: [Region] = []
        for line in Self.table.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, let pattern = try? NSRegularExpression(pattern: "(?:\(fields[4]))") else { continue }
            let region = Region(
                code: fields[0], countryCode: fields[1], trunkPrefix: fields[2] == "-" ? nil : fields[2],
                lengths: Set(fields[3].split(separator: ",").compactMap { Int($0) }), pattern: pattern)
            byCode[region.countryCode, default: []].append(region)
            regions.append(region)
        }
        self.regionsByCountryCode = byCode
        self.regions = regions
    }

    /// Whether `digits` (a country calling code and a national number, nothing else) is a valid number of a region
    /// with that code; the national number may keep its trunk prefix (`+44 (0)20 …`).
    func acceptsInternational(_ digits: String) -> Bool {
        for length in 1...3 where digits.count > length {
            let code = String(digits.prefix(length))
            guard let regions = regionsByCountryCode[code] else { continue }
            let national = String(digits.dropFirst(length))
            if regions.contains(where: { $0.accepts(national) || $0.acceptsWithTrunkPrefix(national) }) { return true }
        }
        return false
    }

    /// Whether `digits` is a valid national number of some region, written with that region's trunk prefix
    /// (`020 7946 0958`), or without one when the region has none or its numbers are commonly written without it.
    func acceptsNational(_ digits: String) -> Bool {
        regions.contains { $0.acceptsWithTrunkPrefix(digits) } || regions.contains { $0.accepts(digits) }
    }
}

extension PhoneNumberingPlan.Region {
    /// Whether `national` is the region's trunk prefix followed by a valid national number.
    func acceptsWithTrunkPrefix(_ national: String) -> Bool {
        guard let trunkPrefix, national.hasPrefix(trunkPrefix) else { return false }
        return accepts(String(national.dropFirst(trunkPrefix.count)))
    }
}
