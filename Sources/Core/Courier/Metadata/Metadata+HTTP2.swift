import CourierHTTP2
import CourierProtobuf

extension Metadata {
    /// Header names gRPC itself uses; they never appear as custom metadata.
    static let reservedHeaders: Set<String> = [
        "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status",
        "grpc-message", "content-length",
    ]

    /// Custom metadata out of received header fields: pseudo-headers and gRPC's own fields skipped,
    /// `-bin` values base64-decoded (padded or not, as the spec requires us to accept both).
    init(headers: [HTTP2Header]) {
        self.init()
        for header in headers where header.name.utf8.first != UInt8(ascii: ":") && !Self.isReserved(header.name) {
            if header.name.hasSuffix("-bin") {
                // A comma separates several base64 values folded into one field.
                for part in header.value.split(separator: ",") {
                    if let bytes = Base64.decodeIfValid(part.trimmingSpaces) { add(header.name, bytes: bytes) }
                }
            } else {
                add(header.name, header.value)
            }
        }
    }

    /// Whether gRPC itself owns this header (every reserved name starts with c, t or g).
    static func isReserved(_ name: String) -> Bool {
        switch name.utf8.first {
        case UInt8(ascii: "c"), UInt8(ascii: "t"), UInt8(ascii: "g"): return reservedHeaders.contains(name)
        default: return false
        }
    }

    /// Why these entries cannot be sent, if they cannot: keys must be `[0-9a-z-_.]`, not reserved;
    /// ASCII values printable (0x20–0x7E).
    public func validationError() -> String? {
        for (key, value) in entries {
            if key.isEmpty || key.hasPrefix(":") || key.utf8.contains(where: { !Self.isKeyByte($0) }) {
                return "invalid metadata key '\(key)'"
            }
            if Self.reservedHeaders.contains(key) { return "metadata key '\(key)' is reserved by gRPC" }
            if case .string(let s) = value, s.utf8.contains(where: { $0 < 0x20 || $0 > 0x7E }) {
                return "metadata value of '\(key)' is not printable ASCII (use a -bin key for bytes)"
            }
        }
        return nil
    }

    private static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }

    /// Appends the entries as header fields; binary values base64 without padding, as the spec
    /// recommends emitting.
    func appendHeaders(to headers: inout [HTTP2Header]) {
        for (key, value) in entries { headers.append(HTTP2Header(key, value.headerValue)) }
    }
}

extension Metadata.Value {
    /// The value as its header field carries it: text as it is, bytes base64 without padding.
    public var headerValue: String {
        switch self {
        case .string(let text): return text
        case .binary(let bytes):
            var encoded = Base64.encode(bytes)
            while encoded.hasSuffix("=") { encoded.removeLast() }
            return encoded
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
