import Foundation

/// Environment lookups: empty values count as unset.
public struct Environment: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// A required setting.
    public func required(_ name: String, example: String) throws(ConfigurationError) -> String {
        guard let value = self[name] else { throw ConfigurationError(.missing, variable: name, "is required, e.g. \(example)") }
        return value
    }

    /// `NAME`, or the contents of the file named by `NAME_FILE` (trailing newline removed).
    public func secret(_ name: String) throws(ConfigurationError) -> String? {
        if let direct = self[name] { return direct }
        guard let path = self["\(name)_FILE"] else { return nil }
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(.invalid, variable: "\(name)_FILE", "cannot read \(path)")
        }
        let trimmed = contents.trimmingCharacters(in: .newlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    public func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = self[name] else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw ConfigurationError(.invalid, variable: name, "'\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }

    /// A duration: `90`, `90s`, `10m`, `1h` (whole numbers; a bare number is seconds).
    /// A decimal number in `range`, or `value` when unset.
    public func decimal(_ name: String, default value: Double, range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let text = self[name] else { return value }
        guard let number = Double(text), range.contains(number) else {
            throw ConfigurationError(.invalid, variable: name, "must be a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return number
    }

    public func duration(_ name: String, default value: Duration, range: ClosedRange<Duration>) throws(ConfigurationError) -> Duration {
        guard let text = self[name]?.lowercased() else { return value }
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var milliseconds: Int64?
        if let plain = Int64(text) {
            milliseconds = plain * 1000
        } else if let (suffix, factor) = units.first(where: { text.hasSuffix($0.0) && Int64(text.dropLast($0.0.count)) != nil }) {
            milliseconds = Int64(text.dropLast(suffix.count)).map { $0 * factor }
        }
        guard let milliseconds, range.contains(.milliseconds(milliseconds)) else {
            throw ConfigurationError(
                .invalid, variable: name, "'\(text)' is not a duration in \(range.lowerBound)...\(range.upperBound) (e.g. 30s, 10m, 1h)")
        }
        return .milliseconds(milliseconds)
    }

    /// One of an enumeration's raw values (case-insensitive).
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default value: T) throws(ConfigurationError) -> T
    where T.RawValue == String {
        guard let text = self[name] else { return value }
        guard let parsed = T.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            throw ConfigurationError(.invalid, variable: name, "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }

    public func flag(_ name: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let text = self[name]?.lowercased() else { return value }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(.invalid, variable: name, "'\(text)' is not true or false")
        }
    }
}
