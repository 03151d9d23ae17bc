import Tokenization

/// A column to tokenize, the scheme its tokens use, and how values are normalized first.
public struct ColumnPlan: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var scheme: TokenSchemeName
    /// Byte-exact (`none`) unless the policy or a tag asks for a normalization form.
    public var normalization: Normalization

    public init(name: String, scheme: TokenSchemeName, normalization: Normalization = .none) {
        self.name = name
        self.scheme = scheme
        self.normalization = normalization
    }

    enum CodingKeys: String, CodingKey {
        case name, scheme, normalization
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        scheme = try container.decode(TokenSchemeName.self, forKey: .scheme)
        normalization = try container.decodeIfPresent(Normalization.self, forKey: .normalization) ?? .none
    }

    public var description: String {
        normalization == .none ? "\(name) (\(scheme.rawValue))" : "\(name) (\(scheme.rawValue), \(normalization.rawValue))"
    }
}
