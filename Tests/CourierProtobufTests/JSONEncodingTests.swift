import CourierProtobuf
import CourierProtos
import CourierSchema
import Foundation
import Testing

@Suite("JSON to protobuf through descriptors", .timeLimit(.minutes(1)))
struct JSONEncodingTests {
    static let pool: DescriptorPool = {
        var pool = DescriptorPool()
        for file in CourierProtoFiles.courier_testing_wire_types.withDependencies {
            try! pool.add(serializedFile: file.serializedDescriptor)
        }
        return pool
    }()

    static let cases: [(name: String, type: String, json: String)] = [
        ("empty", "Scalars", "{}"),
        ("scalars", "Scalars", #"{"i32": -42, "i64": "-1099511627776", "u32": 4000000000, "u64": "9223372036854775813", "s32": -7, "s64": -1125899906842624, "f32": 3735928559, "f64": "81985529216486895", "sf32": -123456, "sf64": "-1152921504606846976", "flt": 1.5, "dbl": -2.25, "flag": true, "text": "마라탕 and ☺ \u00e9 \ud83d\ude00", "blob": "AAEC/w==", "colour": "GREEN"}"#),
        ("defaults_are_omitted", "Scalars", #"{"i32": 0, "text": "", "flag": false, "colour": "COLOUR_UNSPECIFIED", "dbl": 0}"#),
        ("enum_by_number", "Scalars", #"{"colour": -1}"#),
        ("special_floats", "Scalars", #"{"flt": "Infinity", "dbl": "-Infinity"}"#),
        ("repeated", "Repeated", #"{"i32": [1, -1, 300], "s64": ["-2", 2], "dbl": [0.5, -0.25], "flags": [true, false, true], "texts": ["a", "", "치킨"], "blobs": ["", "AP8="], "colours": ["RED", "GREEN"], "items": [{"i32": 1}, {"text": "x"}], "unpackedF32": [1, 2, 3]}"#),
        ("outer", "Outer", #"{"inner": {"name": "root", "child": {"name": "leaf"}}, "counts": {"b": 2, "a": 1}, "byId": {"7": {"name": "seven"}, "-3": {}}, "number": "12", "limit": 0, "path": [{"name": "p"}]}"#),
        ("proto_names_and_oneof_message", "Outer", #"{"by_id": {"1": {"name": "x"}}, "node": {"name": "n"}}"#),
        ("oneof_enum_default_is_sent", "Outer", #"{"tint": "COLOUR_UNSPECIFIED"}"#),
    ]

    @Test("encodings equal Python protobuf's json_format.Parse, byte for byte")
    func matchesPython() async throws {
        let stubs = FileManager.default.temporaryDirectory.appendingPathComponent("courier-json-stubs-\(UUID().uuidString)").path
        _ = try await PythonReference.run("bash", ["Tests/Interop/generate_stubs.sh", stubs])
        defer { try? FileManager.default.removeItem(atPath: stubs) }
        /// json_reference.py's answer per case name, for one "name<TAB>type<TAB>input" line per case.
        func python(_ inputs: ((name: String, type: String, json: String)) -> String, flags: String = "") async throws -> [String: String] {
            let inputFile = stubs + "/cases.tsv"
            try (Self.cases.map { "\($0.name)\tcourier.testing.\($0.type)\t\(inputs($0))" }.joined(separator: "\n") + "\n")
                .write(toFile: inputFile, atomically: true, encoding: .utf8)
            let output = try await PythonReference.run(
                "bash", ["-c", "python3 Tests/Interop/json_reference.py \(flags) < \(inputFile)"], environment: ["COURIER_PY_STUBS": stubs])
            var answers: [String: String] = [:]
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                answers[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            return answers
        }
        let reference = try await python { $0.json }
        let encoder = ProtobufJSONEncoder(pool: Self.pool)
        for testCase in Self.cases {
            let ours = try encoder.encode(json: testCase.json, messageType: "courier.testing.\(testCase.type)")
            #expect(ours.hex == reference[testCase.name], "\(testCase.name)")
        }
        // Back to JSON: our decoder and Python's MessageToDict agree on Python's bytes.
        let pythonJSON = try await python({ reference[$0.name] ?? "" }, flags: "--to-json")
        let decoder = ProtobufJSONDecoder(pool: Self.pool)
        for testCase in Self.cases {
            let bytes = Array(Self.hexBytes(reference[testCase.name] ?? ""))
            let ours = try decoder.decode(bytes, messageType: "courier.testing.\(testCase.type)")
            let theirs = try JSONValue.parse(pythonJSON[testCase.name] ?? "null")
            #expect(ours.canonicalText == theirs.canonicalText, "\(testCase.name)")
        }
        // And the generated Swift types read our bytes back.
        let scalars = try Courier_Testing_Scalars(serializedBytes: try encoder.encode(json: Self.cases[1].json, messageType: "courier.testing.Scalars"))
        #expect(scalars.i64 == -1_099_511_627_776)
        #expect(scalars.u64 == 9_223_372_036_854_775_813)
        #expect(scalars.text == "마라탕 and ☺ é 😀")
        #expect(scalars.colour == .green)
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }

    @Test("bytes that are not the message are an error, not a crash")
    func decodeErrors() {
        let decoder = ProtobufJSONDecoder(pool: Self.pool)
        for bad: [UInt8] in [[0x0A, 0x05, 0x01], [0x08], [0x00, 0x01], [0x0B, 0x00], [0x72, 0x01, 0xFF]] {
            #expect(throws: JSONMappingError.self) { try decoder.decode(bad, messageType: "courier.testing.Scalars") }
        }
    }

    @Test("what does not fit the message is an error naming the field path")
    func errors() {
        let encoder = ProtobufJSONEncoder(pool: Self.pool)
        let cases: [(String, String, String)] = [
            ("Scalars", #"{"nope": 1}"#, "nope"),
            ("Scalars", #"{"i32": "twelve"}"#, "i32"),
            ("Scalars", #"{"i32": 3000000000}"#, "i32"),
            ("Scalars", #"{"i32": 1.5}"#, "i32"),
            ("Scalars", #"{"flag": 1}"#, "flag"),
            ("Scalars", #"{"colour": "PURPLE"}"#, "colour"),
            ("Scalars", #"{"blob": "***"}"#, "blob"),
            ("Repeated", #"{"items": [{"i32": 1}, {"i32": "x"}]}"#, "items[1].i32"),
            ("Outer", #"{"inner": {"child": {"nam": "x"}}}"#, "inner.child.nam"),
            ("Outer", #"{"label": "a", "number": 1}"#, "number"),
            ("Outer", #"{"counts": {"a": "b"}}"#, "counts[a]"),
        ]
        for (type, json, path) in cases {
            do {
                _ = try encoder.encode(json: json, messageType: "courier.testing.\(type)")
                Issue.record("\(json) should not encode")
            } catch let error as JSONMappingError {
                #expect(error.path == path, "\(json): \(error)")
            } catch {
                Issue.record("\(json): unexpected \(error)")
            }
        }
        #expect(throws: JSONMappingError.self) { try encoder.encode(json: #"{"i32": 1"#, messageType: "courier.testing.Scalars") }
        #expect(throws: JSONMappingError.self) { try encoder.encode(json: "[]", messageType: "courier.testing.Scalars") }
    }
}
