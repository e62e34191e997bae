/// Protobuf bytes printed with no schema, in the text `protoc --decode_raw` prints: field numbers,
/// varints in decimal, fixed-width values in hex, and a length-delimited value as a nested message
/// when it parses as one, else as a C-escaped string.
public enum RawProtobufText {
    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// `utf8Strings`: print strings that are valid UTF-8 as they are (protoc escapes every byte
    /// above 0x7F in octal, which hides Korean text).
    public static func render(_ bytes: [UInt8], utf8Strings: Bool = false) throws -> String {
        var lines: [String] = []
        do {
            try render(bytes[...], indent: "", utf8Strings: utf8Strings, into: &lines)
        } catch let error as WireReader.Malformed {
            throw Malformed(description: "not protobuf wire format: \(error)")
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Whether `bytes` parse as a message (every field well formed, to the last byte).
    static func parses(_ bytes: ArraySlice<UInt8>) -> Bool {
        var reader = WireReader(bytes)
        do {
            while try reader.next() != nil {}
            return true
        } catch {
            return false
        }
    }

    private static func render(_ bytes: ArraySlice<UInt8>, indent: String, utf8Strings: Bool, into lines: inout [String]) throws {
        var reader = WireReader(bytes)
        while let (number, value) = try reader.next() {
            switch value {
            case .varint(let raw):
                lines.append("\(indent)\(number): \(raw)")
            case .fixed32(let raw):
                lines.append("\(indent)\(number): 0x\(hex(UInt64(raw), digits: 8))")
            case .fixed64(let raw):
                lines.append("\(indent)\(number): 0x\(hex(raw, digits: 16))")
            case .lengthDelimited(let payload) where !payload.isEmpty && parses(payload), .group(let payload):
                lines.append("\(indent)\(number) {")
                try render(payload, indent: indent + "  ", utf8Strings: utf8Strings, into: &lines)
                lines.append("\(indent)}")
            case .lengthDelimited(let payload):
                lines.append("\(indent)\(number): \"\(escape(payload, utf8Strings: utf8Strings))\"")
            }
        }
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// C escaping as protobuf's CEscape: named escapes for \n \r \t \" \' \\, three octal digits
    /// for any other byte outside printable ASCII.
    static func escape(_ bytes: ArraySlice<UInt8>, utf8Strings: Bool) -> String {
        if utf8Strings, let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.contains(where: { $0.value > 0x7F }) {
            return text.unicodeScalars.map { scalar in
                scalar.value > 0x7F ? String(scalar) : escape(UInt8(scalar.value))
            }.joined()
        }
        return bytes.map(escape).joined()
    }

    private static func escape(_ byte: UInt8) -> String {
        switch byte {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x22: return "\\\""
        case 0x27: return "\\'"
        case 0x5C: return "\\\\"
        case 0x20..<0x7F: return String(UnicodeScalar(byte))
        default:
            let octal = String(byte, radix: 8)
            return "\\" + String(repeating: "0", count: 3 - octal.count) + octal
        }
    }
}
