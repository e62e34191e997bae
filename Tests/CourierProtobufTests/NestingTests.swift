import CourierProtobuf
import CourierProtos
import Testing

@Suite("Deeply nested input")
struct NestingTests {
    /// `Outer.Inner { child: Inner { child: ... } }` nested `depth` times, built back to front.
    static func nested(depth: Int) -> [UInt8] {
        var reversed: [UInt8] = []
        for _ in 0..<depth {
            var length = reversed.count
            var varint: [UInt8] = []
            repeat {
                varint.append(UInt8(length & 0x7f) | (length > 0x7f ? 0x80 : 0))
                length >>= 7
            } while length > 0
            reversed.append(contentsOf: varint.reversed())
            reversed.append(0x12)  // field 2 (child), length-delimited
        }
        return reversed.reversed()
    }

    /// Regression: 200,000 levels overflowed the stack inside protobuf-c's recursive unpack.
    @Test func hostileNestingThrowsInsteadOfOverflowingTheStack() {
        let bytes = Self.nested(depth: 200_000)
        #expect(throws: ProtobufDecodingError.nestingTooDeep(messageType: "courier.testing.Outer.Inner", limit: 100)) {
            try Courier_Testing_Outer.Inner(serializedBytes: bytes)
        }
        // The same attack one level down, inside a message that is not itself recursive.
        let outer = [0x0a] + Self.varint(bytes.count) + bytes
        #expect(throws: ProtobufDecodingError.self) { try Courier_Testing_Outer(serializedBytes: outer) }
    }

    @Test func nestingUpToTheLimitDecodesAndOneMoreDoesNot() throws {
        // 99 nested children under the top message: 100 messages deep, the limit.
        var decoded = try Courier_Testing_Outer.Inner(serializedBytes: Self.nested(depth: 99))
        var messages = 1
        while let child = decoded.child {
            decoded = child
            messages += 1
        }
        #expect(messages == 100)
        #expect(throws: ProtobufDecodingError.self) { try Courier_Testing_Outer.Inner(serializedBytes: Self.nested(depth: 100)) }
    }

    static func varint(_ value: Int) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(value & 0x7f) | (value > 0x7f ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return out
    }
}
