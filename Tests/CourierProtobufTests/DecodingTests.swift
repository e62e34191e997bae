import CourierProtobuf
import CourierProtos
import RecoProtos
import Testing

@Suite("Decoding: bad bytes throw, never crash")
struct DecodingTests {
    @Test(arguments: [
        [0x08],  // a varint tag with no value
        [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // an 11-byte varint
        [0x72, 0x05, 0x61],  // a string field claiming 5 bytes, 1 present
        [0x0b],  // wire type 3 (start group) in a proto3 message
        [0x72, 0xff, 0xff, 0xff, 0xff, 0x0f],  // a length of 4 GiB
        [0x00, 0x01],  // field number 0
    ] as [[UInt8]])
    func malformedBytesThrow(_ bytes: [UInt8]) {
        #expect(throws: ProtobufDecodingError.malformed(messageType: "courier.testing.Scalars")) {
            try Courier_Testing_Scalars(serializedBytes: bytes)
        }
    }

    /// Large `bytes` values are not copied through the thread's arena (packing reads the Swift
    /// array in place; unpacking adopts the array protobuf-c filled): they must come out intact,
    /// stay intact when the arena is reused for the next message, and be values (a change to
    /// one copy is not seen by another).
    @Test func largeBytesValuesSurviveTheArenasReuse() throws {
        var first = Courier_Testing_Repeated()
        first.blobs = [(0..<100_000).map { UInt8(truncatingIfNeeded: $0) }, [1, 2, 3], [UInt8](repeating: 7, count: 40_000)]
        var second = Courier_Testing_Repeated()
        second.blobs = [[UInt8](repeating: 0xAB, count: 100_000)]
        let firstDecoded = try Courier_Testing_Repeated(serializedBytes: try first.serializedBytes())
        let secondDecoded = try Courier_Testing_Repeated(serializedBytes: try second.serializedBytes())
        #expect(firstDecoded.blobs == first.blobs)
        #expect(secondDecoded.blobs == second.blobs)
        var changed = firstDecoded
        changed.blobs[0][0] = 99
        #expect(firstDecoded.blobs[0][0] == 0)
        #expect(try Courier_Testing_Repeated(serializedBytes: try changed.serializedBytes()).blobs[0][0] == 99)
    }

    @Test func invalidUTF8InAStringIsRejected() {
        // field 14 (text), length 2, bytes C3 28: not UTF-8.
        #expect(throws: ProtobufDecodingError.invalidUTF8(messageType: "courier.testing.Scalars", field: "text")) {
            try Courier_Testing_Scalars(serializedBytes: [0x72, 0x02, 0xc3, 0x28])
        }
        #expect(throws: ProtobufDecodingError.self) {
            try Courier_Testing_Repeated(serializedBytes: [0x2a, 0x01, 0xff])
        }
    }

    @Test("a NUL byte in a string is refused, naming the field, wherever the string sits; never truncated")
    func nulInAStringIsRejected() throws {
        // Scalars.text = "ab\0c"
        #expect(throws: ProtobufDecodingError.stringContainsNUL(messageType: "courier.testing.Scalars", field: "text")) {
            try Courier_Testing_Scalars(serializedBytes: [0x72, 0x04, 0x61, 0x62, 0x00, 0x63])
        }
        // A NUL as the very last byte, and as the only byte.
        #expect(throws: ProtobufDecodingError.self) { try Courier_Testing_Scalars(serializedBytes: [0x72, 0x02, 0x61, 0x00]) }
        #expect(throws: ProtobufDecodingError.self) { try Courier_Testing_Scalars(serializedBytes: [0x72, 0x01, 0x00]) }
        // Repeated.texts: the second element holds the NUL.
        #expect(throws: ProtobufDecodingError.stringContainsNUL(messageType: "courier.testing.Repeated", field: "texts")) {
            try Courier_Testing_Repeated(serializedBytes: [0x2a, 0x01, 0x61, 0x2a, 0x02, 0x62, 0x00])
        }
        // Outer.inner.name, one level down.
        #expect(throws: ProtobufDecodingError.stringContainsNUL(messageType: "courier.testing.Outer.Inner", field: "name")) {
            try Courier_Testing_Outer(serializedBytes: [0x0a, 0x04, 0x0a, 0x02, 0x61, 0x00])
        }
        // A map key: Outer.counts {"a\0": 1}; the entry is a message whose field 1 is the key.
        #expect(throws: ProtobufDecodingError.self) {
            try Courier_Testing_Outer(serializedBytes: [0x12, 0x06, 0x0a, 0x02, 0x61, 0x00, 0x10, 0x01])
        }
        // Past the size where the zero-byte prefilter is skipped and the fields are walked at once:
        // a 20,000-byte blob beside a string with a NUL, and beside a clean one.
        let largeBlob: [UInt8] = [0x7a] + NestingTests.varint(20_000) + [UInt8](repeating: 0x01, count: 20_000)
        #expect(throws: ProtobufDecodingError.stringContainsNUL(messageType: "courier.testing.Scalars", field: "text")) {
            try Courier_Testing_Scalars(serializedBytes: largeBlob + [0x72, 0x02, 0x61, 0x00])
        }
        let zeroBlob: [UInt8] = [0x7a] + NestingTests.varint(20_000) + [UInt8](repeating: 0, count: 20_000)
        let large = try Courier_Testing_Scalars(serializedBytes: zeroBlob + [0x72, 0x02, 0x6f, 0x6b])
        #expect(large.text == "ok" && large.blob.count == 20_000)
        // Zero bytes outside strings are fine: a bytes field of zeros and a zero-valued length.
        let blob = try Courier_Testing_Scalars(serializedBytes: [0x7a, 0x03, 0x00, 0x00, 0x00, 0x72, 0x00])
        #expect(blob.blob == [0, 0, 0])
        #expect(blob.text == "")
        // And what the encoder refuses to write, the decoder refuses to read.
        var scalars = Courier_Testing_Scalars()
        scalars.text = "user-0001\u{0}attacker"
        #expect(throws: ProtobufEncodingError.self) { try scalars.serializedBytes() }
    }

    @Test("field number 0 in an over-long tag is refused (protobuf-c kept it as an unknown field that cannot be re-encoded; found by fuzz-messages)")
    func overlongFieldZeroIsRejected() {
        #expect(throws: ProtobufDecodingError.malformed(messageType: "courier.testing.Scalars")) {
            try Courier_Testing_Scalars(serializedBytes: [0x80, 0x00, 0x01])
        }
        // The fuzzer's input, as reco.v1.KeywordHistory.
        #expect(throws: ProtobufDecodingError.self) {
            try Reco_V1_KeywordHistory(serializedBytes: [0x15, 0x00, 0x15, 0x00, 0x00, 0x80, 0x00, 0x3f, 0x12, 0x03, 0x01, 0x02, 0x03])
        }
        // Field 1 in an over-long tag is still fine.
        #expect(throws: Never.self) { try Courier_Testing_Scalars(serializedBytes: [0x88, 0x00, 0x01]) }
    }

    @Test func bytesFieldsAcceptAnyBytes() throws {
        let message = try Courier_Testing_Scalars(serializedBytes: [0x7a, 0x02, 0xc3, 0x28])
        #expect(message.blob == [0xc3, 0x28])
    }

    @Test func emptyInputIsTheDefaultMessage() throws {
        #expect(try Courier_Testing_Outer(serializedBytes: []) == Courier_Testing_Outer())
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? Courier_Testing_Outer(serializedBytes: bytes)
            _ = try? Courier_Testing_Repeated(serializedBytes: bytes)
        }
    }
}

@Suite("Encoding rules")
struct EncodingTests {
    @Test func aStringWithANULIsRefusedNotTruncated() {
        var message = Courier_Testing_Scalars()
        message.text = "before\u{0}after"
        #expect(throws: ProtobufEncodingError.stringContainsNUL(field: "courier.testing.Scalars.text")) {
            try message.serializedBytes()
        }
        var repeated = Courier_Testing_Repeated()
        repeated.texts = ["fine", "not\u{0}fine"]
        #expect(throws: ProtobufEncodingError.self) { try repeated.serializedBytes() }
    }

    @Test func unknownEnumValuesSurviveARoundTrip() throws {
        // colour (field 16) = 77, a value the schema does not know.
        let message = try Courier_Testing_Scalars(serializedBytes: [0x80, 0x01, 0x4d])
        #expect(message.colour == .unrecognized(77))
        #expect(try message.serializedBytes() == [0x80, 0x01, 0x4d])
    }

    @Test func unknownFieldsAreKeptAndReEncoded() throws {
        // i32 = 1, then field 99 (varint 5) and field 100 (bytes "hi"), unknown to Scalars.
        let wire: [UInt8] = [0x08, 0x01, 0x98, 0x06, 0x05, 0xa2, 0x06, 0x02, 0x68, 0x69]
        let message = try Courier_Testing_Scalars(serializedBytes: wire)
        #expect(message.i32 == 1)
        #expect(message.unknownFields.map(\.tag) == [99, 100])
        #expect(try message.serializedBytes() == wire)
    }

    @Test func recursiveMessagesRoundTrip() throws {
        var chain = Courier_Testing_Outer.Inner()
        chain.name = "0"
        for depth in 1..<50 {
            var parent = Courier_Testing_Outer.Inner()
            parent.name = String(depth)
            parent.child = chain
            chain = parent
        }
        var outer = Courier_Testing_Outer()
        outer.inner = chain
        outer.choice = .node(chain)
        let decoded = try Courier_Testing_Outer(serializedBytes: outer.serializedBytes())
        #expect(decoded == outer)
    }

    @Test func mapsEncodeTheSameWhateverTheirInsertionOrder() throws {
        var a = Courier_Testing_Outer()
        var b = Courier_Testing_Outer()
        for key in ["x", "y", "z", "w"] { a.counts[key] = Int32(key.unicodeScalars.first!.value) }
        for key in ["w", "z", "y", "x"] { b.counts[key] = Int32(key.unicodeScalars.first!.value) }
        #expect(try a.serializedBytes() == b.serializedBytes())
    }
}
