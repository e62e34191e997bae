/// Reads protobuf's wire format field by field, for messages known only from descriptors.
struct WireReader {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited(ArraySlice<UInt8>)
        case fixed32(UInt32)
        /// A group's fields (proto2's deprecated delimited form), between its start and end tags.
        case group(ArraySlice<UInt8>)
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { index >= bytes.endIndex }

    /// The next field's number and value; nil at the end.
    mutating func next() throws -> (number: Int32, value: Value)? {
        guard !isAtEnd else { return nil }
        let key = try varint()
        let number = Int32(truncatingIfNeeded: key >> 3)
        guard number > 0 else { throw Malformed(description: "field number 0 at byte \(index - bytes.startIndex)") }
        switch key & 7 {
        case 0: return (number, .varint(try varint()))
        case 1: return (number, .fixed64(try fixed(8)))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - index) else { throw Malformed(description: "field \(number) runs past the end") }
            let start = index
            index += Int(length)
            return (number, .lengthDelimited(bytes[start..<index]))
        case 5: return (number, .fixed32(UInt32(truncatingIfNeeded: try fixed(4))))
        case 3: return (number, .group(try groupBody(number)))
        case 4: throw Malformed(description: "an end-group tag for field \(number) outside its group")
        default: throw Malformed(description: "wire type \(key & 7) for field \(number)")
        }
    }

    /// Reads fields up to the end-group tag of `number`; answers the bytes between the tags.
    private mutating func groupBody(_ number: Int32, depth: Int = 0) throws -> ArraySlice<UInt8> {
        guard depth < 100 else { throw Malformed(description: "groups nested too deep") }
        let start = index
        while !isAtEnd {
            let fieldStart = index
            let key = try varint()
            let inner = Int32(truncatingIfNeeded: key >> 3)
            switch key & 7 {
            case 4:
                guard inner == number else { throw Malformed(description: "group \(number) ended by an end-group tag for \(inner)") }
                return bytes[start..<fieldStart]
            case 3:
                _ = try groupBody(inner, depth: depth + 1)
            default:
                index = fieldStart
                _ = try next()
            }
        }
        throw Malformed(description: "group \(number) has no end-group tag")
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw Malformed(description: "varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw Malformed(description: "truncated varint")
    }

    /// `count` little-endian bytes (a packed fixed32/fixed64 element, or a field's value).
    mutating func fixed(_ count: Int) throws -> UInt64 {
        guard bytes.endIndex - index >= count else { throw Malformed(description: "truncated fixed-width field") }
        var value: UInt64 = 0
        for offset in 0..<count { value |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
        index += count
        return value
    }
}
