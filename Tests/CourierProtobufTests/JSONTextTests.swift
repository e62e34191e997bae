import CourierProtobuf
import CourierSchema
import Testing

/// JSON strings and base64 text: exact on hard inputs, and one pass over large ones (the CLI
/// prints and reads messages of megabytes this way).
@Suite("JSON strings and base64")
struct JSONTextTests {
    @Test(arguments: ["", "plain", "quote \" backslash \\ slash /", "\u{0}\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}", "마라탕 🍜 é", "\\u0041 is not an escape here"])
    func quotedTextParsesBackToItself(_ text: String) throws {
        let literal = JSONValue.quoted(text)
        #expect(try JSONValue.parse(literal) == .string(text), "\(literal)")
        #expect(!literal.utf8.dropFirst().dropLast().contains { $0 < 0x20 }, "control characters are escaped: \(literal)")
    }

    @Test func escapesInTheInputAreDecoded() throws {
        #expect(try JSONValue.parse(#""a\u0041\n\ud83c\udf5c\/""#) == .string("aA\n🍜/"))
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse("\"tab\there\"") }
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(#""\ud83c x""#) }
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(#""unterminated"#) }
    }

    @Test func base64AcceptsBothAlphabetsWithOrWithoutPaddingAndNothingElse() {
        #expect(Base64.decodeIfValid("+/8=") == [0xFB, 0xFF])
        #expect(Base64.decodeIfValid("-_8") == [0xFB, 0xFF])
        #expect(Base64.decodeIfValid("AAECAw==") == [0, 1, 2, 3])
        #expect(Base64.decodeIfValid("AAECAw") == [0, 1, 2, 3])
        #expect(Base64.decodeIfValid("AAE=CAw") == nil, "nothing but padding after padding")
        #expect(Base64.decodeIfValid("AA EC") == nil)
    }

    @Test func aFourMegabyteBase64ValueRoundTrips() throws {
        let bytes = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131) }
        let text = Base64.encode(bytes)
        let literal = JSONValue.quoted(text)
        guard case .string(let parsed) = try JSONValue.parse(literal) else {
            Issue.record("not a string")
            return
        }
        #expect(Base64.decodeIfValid(parsed) == bytes)
    }
}
