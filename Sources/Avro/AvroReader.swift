/// Reads an Avro binary body against its writer schema, within strict bounds: no declared length or count
/// may make it read or reserve more than the body holds, nesting is limited, and blocks of zero-size items
/// draw on a fixed item budget. Hostile input therefore costs at most its own size in memory.
///
/// The reader borrows its bytes: use it only inside the closure of `AvroReader.withReader`.
public struct AvroReader {
    /// Deepest nesting of values accepted.
    public static let maximumDepth = 64
    /// Items (array elements, map entries) one body may declare in all when their encoding can be empty.
    public static let zeroSizeItemBudget = 1 << 20

    public let schema: AvroSchema
    private let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public private(set) var position = 0
    private var itemBudget = AvroReader.zeroSizeItemBudget

    /// Runs `body` with a reader over `bytes`.
    public static func withReader<T, E: Error>(
        _ bytes: UnsafeRawBufferPointer, schema: AvroSchema, _ body: (inout AvroReader) throws(E) -> T
    ) throws(E) -> T {
        var reader = AvroReader(schema: schema, bytes: bytes)
        return try body(&reader)
    }

    /// Decodes a whole body: the value of the schema's root, with no bytes left over.
    public static func decode(_ body: [UInt8], schema: AvroSchema) throws(AvroError) -> AvroDatum {
        let result: Result<AvroDatum, AvroError> = body.withUnsafeBytes { buffer in
            var reader = AvroReader(schema: schema, bytes: buffer)
            do throws(AvroError) {
                let value = try reader.decode(schema.root)
                try reader.expectEnd()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private init(schema: AvroSchema, bytes: UnsafeRawBufferPointer) {
        self.schema = schema
        self.bytes = bytes
    }

    /// Bytes not read yet.
    public var remaining: Int { bytes.count - position }

    private func failure(_ code: AvroError.Code, _ message: String) -> AvroError {
        AvroError(code, message, offset: position)
    }

    /// Throws unless every byte was read.
    public func expectEnd() throws(AvroError) {
        guard remaining == 0 else { throw failure(.trailingBytes, "\(remaining) bytes left after the value; was it written with another schema?") }
    }

    // MARK: - Primitives

    /// A zig-zag varint `long`.
    public mutating func readLong() throws(AvroError) -> Int64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw failure(.truncated, "body ends inside a number") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw failure(.invalidLength, "varint longer than 10 bytes") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    public mutating func readInt() throws(AvroError) -> Int32 {
        let value = try readLong()
        guard let int = Int32(exactly: value) else { throw failure(.invalidLength, "int out of range") }
        return int
    }

    /// A length prefix: non-negative and no larger than what is left.
    private mutating func readLength(_ what: String) throws(AvroError) -> Int {
        let length = try readLong()
        guard length >= 0, length <= Int64(remaining) else {
            throw failure(.invalidLength, "\(what) declares \(length) bytes but \(remaining) are left")
        }
        return Int(length)
    }

    private mutating func take(_ count: Int, _ what: String) throws(AvroError) -> UnsafeRawBufferPointer {
        guard count <= remaining else { throw failure(.truncated, "body ends inside \(what)") }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    public mutating func readBytes() throws(AvroError) -> [UInt8] {
        let length = try readLength("bytes")
        return Array(try take(length, "bytes"))
    }

    public mutating func readString() throws(AvroError) -> String {
        let length = try readLength("a string")
        let start = position
        guard let text = String(validating: try take(length, "a string"), as: UTF8.self) else {
            throw AvroError(.invalidUTF8, "string is not UTF-8", offset: start)
        }
        return text
    }

    /// The branch a union value selects.
    public mutating func readUnionBranch(_ branches: [Int]) throws(AvroError) -> Int {
        let index = try readLong()
        guard index >= 0, index < Int64(branches.count) else { throw failure(.invalidIndex, "union branch \(index) of \(branches.count)") }
        return branches[Int(index)]
    }

    // MARK: - Blocks

    /// Reads one block header of an array or map: the item count (0 at the end). A negative count is followed
    /// by the block's byte size, which must fit.
    private mutating func blockCount(itemNode: Int, perItemExtra: Int) throws(AvroError) -> (count: Int, byteSize: Int?) {
        var count = try readLong()
        var byteSize: Int? = nil
        if count < 0 {
            guard count != Int64.min else { throw failure(.invalidLength, "block count out of range") }
            count = -count
            byteSize = try readLength("a block")
        }
        let itemSize = schema.minimumSize[itemNode] + perItemExtra
        if itemSize > 0 {
            guard count <= Int64(remaining / itemSize) else {
                throw failure(.invalidLength, "block declares \(count) items but only \(remaining) bytes are left")
            }
        } else {
            guard count <= Int64(itemBudget) else { throw failure(.limitExceeded, "more than \(Self.zeroSizeItemBudget) empty items") }
            itemBudget -= Int(count)
        }
        return (Int(count), byteSize)
    }

    // MARK: - Values

    /// Decodes the value of `node` into a Swift value.
    public mutating func decode(_ node: Int) throws(AvroError) -> AvroDatum {
        try decode(node, depth: 0)
    }

    private mutating func decode(_ node: Int, depth: Int) throws(AvroError) -> AvroDatum {
        guard depth < Self.maximumDepth else { throw failure(.limitExceeded, "value nested deeper than \(Self.maximumDepth)") }
        switch schema.nodes[node] {
        case .null: return .null
        case .boolean:
            let byte = try take(1, "a boolean")[0]
            guard byte <= 1 else { throw failure(.invalidIndex, "boolean byte \(byte)") }
            return .boolean(byte == 1)
        case .int: return .int(try readInt())
        case .long: return .long(try readLong())
        case .float: return .float(Float(bitPattern: try littleEndian(4, "a float").asUInt32))
        case .double: return .double(Double(bitPattern: try littleEndian(8, "a double")))
        case .bytes: return .bytes(try readBytes())
        case .string: return .string(try readString())
        case .fixed(_, let size): return .fixed(Array(try take(size, "a fixed")))
        case .enumeration(_, let symbols):
            let index = try readLong()
            guard index >= 0, index < Int64(symbols.count) else { throw failure(.invalidIndex, "enum index \(index) of \(symbols.count)") }
            return .enumSymbol(symbols[Int(index)])
        case .union(let branches):
            return try decode(try readUnionBranch(branches), depth: depth + 1)
        case .record(_, let fields):
            var values: [String: AvroDatum] = [:]
            for field in fields { values[field.name] = try decode(field.type, depth: depth + 1) }
            return .record(values)
        case .array(let items):
            var values: [AvroDatum] = []
            while true {
                let (count, _) = try blockCount(itemNode: items, perItemExtra: 0)
                if count == 0 { return .array(values) }
                for _ in 0..<count { values.append(try decode(items, depth: depth + 1)) }
            }
        case .map(let valueNode):
            var entries: [String: AvroDatum] = [:]
            while true {
                let (count, _) = try blockCount(itemNode: valueNode, perItemExtra: 1)
                if count == 0 { return .map(entries) }
                for _ in 0..<count {
                    let key = try readString()
                    entries[key] = try decode(valueNode, depth: depth + 1)
                }
            }
        }
    }

    /// Skips the value of `node` without building it (blocks with a byte size are jumped over).
    public mutating func skip(_ node: Int) throws(AvroError) {
        try skip(node, depth: 0)
    }

    private mutating func skip(_ node: Int, depth: Int) throws(AvroError) {
        guard depth < Self.maximumDepth else { throw failure(.limitExceeded, "value nested deeper than \(Self.maximumDepth)") }
        switch schema.nodes[node] {
        case .null: return
        case .boolean: _ = try take(1, "a boolean")
        case .int, .long, .enumeration: _ = try readLong()
        case .float: _ = try take(4, "a float")
        case .double: _ = try take(8, "a double")
        case .bytes, .string: _ = try take(try readLength("bytes"), "bytes")
        case .fixed(_, let size): _ = try take(size, "a fixed")
        case .union(let branches): try skip(try readUnionBranch(branches), depth: depth + 1)
        case .record(_, let fields):
            for field in fields { try skip(field.type, depth: depth + 1) }
        case .array(let items):
            while true {
                let (count, byteSize) = try blockCount(itemNode: items, perItemExtra: 0)
                if count == 0 { return }
                if let byteSize {
                    _ = try take(byteSize, "a block")
                } else {
                    for _ in 0..<count { try skip(items, depth: depth + 1) }
                }
            }
        case .map(let values):
            while true {
                let (count, byteSize) = try blockCount(itemNode: values, perItemExtra: 1)
                if count == 0 { return }
                if let byteSize {
                    _ = try take(byteSize, "a block")
                } else {
                    for _ in 0..<count {
                        _ = try take(try readLength("a map key"), "a map key")
                        try skip(values, depth: depth + 1)
                    }
                }
            }
        }
    }

    private mutating func littleEndian(_ count: Int, _ what: String) throws(AvroError) -> UInt64 {
        let raw = try take(count, what)
        var value: UInt64 = 0
        for index in stride(from: count - 1, through: 0, by: -1) { value = value << 8 | UInt64(raw[index]) }
        return value
    }
}

extension UInt64 {
    fileprivate var asUInt32: UInt32 { UInt32(truncatingIfNeeded: self) }
}
