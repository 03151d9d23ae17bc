import JSON

/// A parsed Avro schema: a graph of nodes, so recursive named types need no special case.
///
/// Parsed from the schema's JSON (as a registry serves it). Named types (record, enum, fixed) are resolved by
/// full name with Avro's namespace rules; logical types are read as their underlying type.
public struct AvroSchema: Sendable {
    /// One node of the graph; children are indexes into `nodes`.
    public enum Node: Sendable, Equatable {
        case null, boolean, int, long, float, double, bytes, string
        case record(name: String, fields: [Field])
        case enumeration(name: String, symbols: [String])
        case array(items: Int)
        case map(values: Int)
        case union(branches: [Int])
        case fixed(name: String, size: Int)
    }

    /// A record field.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var type: Int
    }

    public let nodes: [Node]
    /// The top-level node.
    public let root: Int
    /// The fewest bytes each node's encoding can take (0 for `null` and records of nulls), which bounds how
    /// many items a block may declare.
    let minimumSize: [Int]

    /// Parses a schema from its JSON text.
    public init(json text: String) throws(AvroError) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(text)
        } catch {
            throw AvroError(.invalidSchema, "schema is not JSON: \(error)")
        }
        var builder = Builder()
        root = try builder.node(document, namespace: nil, depth: 0)
        nodes = builder.nodes
        minimumSize = Self.minimumSizes(builder.nodes)
    }

    /// The fields of the top-level record, or nil when the schema is not a record.
    public var rootFields: [Field]? {
        if case .record(_, let fields) = nodes[root] { return fields }
        return nil
    }

    /// Fixed point over the graph: a recursive record's size converges because sizes only grow.
    private static func minimumSizes(_ nodes: [Node]) -> [Int] {
        var sizes = [Int](repeating: 0, count: nodes.count)
        var changed = true
        var rounds = 0
        while changed, rounds < nodes.count + 1 {
            changed = false
            rounds += 1
            for (index, node) in nodes.enumerated() {
                let size: Int
                switch node {
                case .null: size = 0
                case .boolean, .int, .long, .bytes, .string, .enumeration, .array, .map: size = 1
                case .float: size = 4
                case .double: size = 8
                case .fixed(_, let count): size = count
                case .record(_, let fields): size = min(fields.reduce(0) { $0 + sizes[$1.type] }, 1 << 20)
                case .union(let branches): size = 1 + (branches.map { sizes[$0] }.min() ?? 0)
                }
                if size != sizes[index] {
                    sizes[index] = size
                    changed = true
                }
            }
        }
        return sizes
    }

    private struct Builder {
        var nodes: [Node] = []
        var named: [String: Int] = [:]
        static let maximumDepth = 128
        static let primitives: [String: Node] = [
            "null": .null, "boolean": .boolean, "int": .int, "long": .long, "float": .float, "double": .double,
            "bytes": .bytes, "string": .string,
        ]

        mutating func add(_ node: Node) -> Int {
            nodes.append(node)
            return nodes.count - 1
        }

        func fullName(_ name: String, namespace: String?) -> String {
            if name.contains(".") { return name }
            guard let namespace, !namespace.isEmpty else { return name }
            return "\(namespace).\(name)"
        }

        mutating func node(_ value: JSONValue, namespace: String?, depth: Int) throws(AvroError) -> Int {
            guard depth < Self.maximumDepth else { throw AvroError(.invalidSchema, "schema nested deeper than \(Self.maximumDepth)") }
            switch value {
            case .string(let name):
                if let primitive = Self.primitives[name] { return add(primitive) }
                if let index = named[fullName(name, namespace: namespace)] ?? named[name] { return index }
                throw AvroError(.invalidSchema, "unknown type '\(name)'")
            case .array(let branches):
                var indexes: [Int] = []
                for branch in branches { indexes.append(try node(branch, namespace: namespace, depth: depth + 1)) }
                return add(.union(branches: indexes))
            case .object(let object):
                return try complex(object, namespace: namespace, depth: depth)
            default:
                throw AvroError(.invalidSchema, "a type must be a name, an object or a union array")
            }
        }

        mutating func complex(_ object: [String: JSONValue], namespace: String?, depth: Int) throws(AvroError) -> Int {
            guard let type = object["type"] else { throw AvroError(.invalidSchema, "a schema object needs \"type\"") }
            guard case .string(let kind) = type else { return try node(type, namespace: namespace, depth: depth + 1) }
            switch kind {
            case "record", "error", "enum", "fixed":
                guard let name = object["name"]?.string, !name.isEmpty else { throw AvroError(.invalidSchema, "a \(kind) needs a name") }
                let space = name.contains(".") ? String(name[..<name.lastIndex(of: ".")!]) : (object["namespace"]?.string ?? namespace)
                let full = fullName(name, namespace: space)
                guard named[full] == nil else { throw AvroError(.invalidSchema, "type \(full) is defined twice") }
                switch kind {
                case "enum":
                    let symbols = (object["symbols"]?.array ?? []).compactMap(\.string)
                    guard !symbols.isEmpty else { throw AvroError(.invalidSchema, "enum \(full) has no symbols") }
                    let index = add(.enumeration(name: full, symbols: symbols))
                    named[full] = index
                    return index
                case "fixed":
                    guard let size = object["size"]?.number, size >= 0, size == size.rounded(), size < Double(Int32.max) else {
                        throw AvroError(.invalidSchema, "fixed \(full) needs a non-negative size")
                    }
                    let index = add(.fixed(name: full, size: Int(size)))
                    named[full] = index
                    return index
                default:
                    // Registered before its fields, so a field may refer to the record itself.
                    let index = add(.record(name: full, fields: []))
                    named[full] = index
                    var fields: [Field] = []
                    for field in object["fields"]?.array ?? [] {
                        guard let fieldName = field["name"]?.string, let fieldType = field["type"] else {
                            throw AvroError(.invalidSchema, "a field of \(full) lacks a name or type")
                        }
                        fields.append(Field(name: fieldName, type: try node(fieldType, namespace: space, depth: depth + 1)))
                    }
                    nodes[index] = .record(name: full, fields: fields)
                    return index
                }
            case "array":
                guard let items = object["items"] else { throw AvroError(.invalidSchema, "an array needs items") }
                return add(.array(items: try node(items, namespace: namespace, depth: depth + 1)))
            case "map":
                guard let values = object["values"] else { throw AvroError(.invalidSchema, "a map needs values") }
                return add(.map(values: try node(values, namespace: namespace, depth: depth + 1)))
            default:
                return try node(.string(kind), namespace: namespace, depth: depth + 1)
            }
        }
    }
}
