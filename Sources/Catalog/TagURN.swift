/// A DataHub tag URN, `urn:li:tag:<name>`: the one place the prefix is written, made or parsed.
public struct TagURN: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let prefix = "urn:li:tag:"

    /// The tag's name (its id), e.g. `tokenize/run` or `tokenize/status:SUCCESS`.
    public let name: String

    /// A tag from its name, or from its full URN.
    public init(_ nameOrURN: String) {
        name = nameOrURN.hasPrefix(Self.prefix) ? String(nameOrURN.dropFirst(Self.prefix.count)) : nameOrURN
    }

    /// A tag from a URN, or nil when `urn` is not a tag URN.
    public init?(urn: String) {
        guard urn.hasPrefix(Self.prefix), urn.count > Self.prefix.count else { return nil }
        name = String(urn.dropFirst(Self.prefix.count))
    }

    /// `urn:li:tag:<name>`.
    public var urn: String { Self.prefix + name }
    public var description: String { urn }

    public static func < (lhs: TagURN, rhs: TagURN) -> Bool { lhs.name < rhs.name }

    /// The part after `<family>:` when the tag's name is `<family>:<value>` (case-insensitive family), e.g.
    /// `tokenize/scheme:siv` in family `tokenize/scheme` gives `siv`.
    public func value(inFamily family: String) -> String? {
        let prefix = family.lowercased() + ":"
        guard name.lowercased().hasPrefix(prefix) else { return nil }
        return String(name.dropFirst(prefix.count))
    }
}
