import CourierProtobuf
import CourierProtos
import Testing

@Suite("Encodings match Python's protobuf byte for byte")
struct WireCompatibilityTests {
    @Test func everyReferenceMessageEncodesAsPythonDoes() async throws {
        let reference = try await PythonReference.referenceEncodings()
        let messages = ReferenceMessages.all()
        #expect(reference.count == messages.count, "Python and Swift build different sets of messages")
        for (name, _, encode) in messages {
            let swift = try encode().hex
            #expect(swift == reference[name], "\(name): Swift \(swift) vs Python \(reference[name] ?? "missing")")
        }
    }

    @Test func pythonEncodingsDecodeToTheSameValues() async throws {
        let reference = try await PythonReference.referenceEncodings()
        func bytes(_ hex: String) -> [UInt8] {
            stride(from: 0, to: hex.count, by: 2).map { i in
                let start = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
        }
        let messages = ReferenceMessages.all()
        let scalars = try Courier_Testing_Scalars(serializedBytes: bytes(reference["scalars"]!))
        #expect(scalars == messages[1].1 as? Courier_Testing_Scalars)
        let repeated = try Courier_Testing_Repeated(serializedBytes: bytes(reference["repeated"]!))
        #expect(repeated == messages[3].1 as? Courier_Testing_Repeated)
        let outer = try Courier_Testing_Outer(serializedBytes: bytes(reference["outer_empty_oneof_string"]!))
        #expect(outer == messages[4].1 as? Courier_Testing_Outer)
        #expect(outer.choice == .label(""), "an empty string set in a oneof keeps its presence")
        #expect(outer.maybeLimit == .limit(0), "a zero set in a oneof keeps its presence")
        let request = try Grpc_Testing_SimpleRequest(serializedBytes: bytes(reference["simple_request"]!))
        #expect(request == messages[8].1 as? Grpc_Testing_SimpleRequest)
    }
}
