import Tokenization

/// A column to tokenize and the scheme its tokens use.
public struct ColumnPlan: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var scheme: TokenSchemeName

    public init(name: String, scheme: TokenSchemeName) {
        self.name = name
        self.scheme = scheme
    }

    public var description: String { "\(name) (\(scheme.rawValue))" }
}
