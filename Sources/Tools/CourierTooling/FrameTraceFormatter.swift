import CourierHTTP2
import CourierSchema
import Synchronization

/// Writes a client connection's HTTP/2 frames as text, one line per frame (time, direction, type,
/// stream, flags, length) with HEADERS fields and SETTINGS/RST_STREAM/GOAWAY details below it,
/// and the gRPC messages inside DATA frames: their 5-byte prefix and their body decoded (JSON when
/// the message type is known, else protoc --decode_raw text). `nghttp -v`, knowing gRPC.
public final class FrameTraceFormatter: Sendable {
    /// The request and response message types, for decoding bodies.
    public struct Schema: Sendable {
        public var pool: DescriptorPool
        public var requestType: String
        public var responseType: String

        public init(pool: DescriptorPool, requestType: String, responseType: String) {
            self.pool = pool
            self.requestType = requestType
            self.responseType = responseType
        }
    }

    private let schema: Schema?
    private let start = ContinuousClock.now
    private let write: @Sendable (String) -> Void
    /// Bytes of gRPC messages not yet complete, per stream and direction (messages span frames).
    private let partial = Mutex<[Key: [UInt8]]>([:])

    private struct Key: Hashable { var stream: Int32; var sent: Bool }

    public init(schema: Schema?, write: @escaping @Sendable (String) -> Void) {
        self.schema = schema
        self.write = write
    }

    /// The observer to put in `HTTP2Configuration.frameObserver`.
    public var observer: @Sendable (HTTP2FrameTrace) -> Void {
        { [self] frame in write(lines(for: frame).joined(separator: "\n") + "\n") }
    }

    func lines(for frame: HTTP2FrameTrace) -> [String] {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let type = HTTP2FrameType(rawValue: frame.type)?.description ?? "UNKNOWN(\(frame.type))"
        let sent = frame.direction == .sent
        var lines = [
            "[\(Self.pad(String(format3(milliseconds / 1000)), 8))] \(sent ? "send" : "recv") \(type) stream=\(frame.streamID) "
                + "flags=\(Self.flagsText(frame.flags, type: frame.type)) length=\(frame.length)"
        ]
        let indent = "           "
        if !frame.detail.isEmpty { lines.append(indent + frame.detail) }
        for header in frame.headers { lines.append("\(indent)\(header.name): \(header.value)") }
        if frame.type == HTTP2FrameType.data.rawValue, !frame.payload.isEmpty {
            lines += messages(in: frame.payload, stream: frame.streamID, sent: sent).map { indent + $0 }
        }
        return lines
    }

    /// The complete gRPC messages this DATA payload ends, described.
    private func messages(in payload: [UInt8], stream: Int32, sent: Bool) -> [String] {
        let key = Key(stream: stream, sent: sent)
        let buffered = partial.withLock { $0.removeValue(forKey: key) ?? [] } + payload
        let (messages, rest) = GRPCMessageSplitter.split(buffered)
        let typeName = sent ? schema?.requestType : schema?.responseType
        var lines: [String] = []
        for message in messages {
            lines.append("gRPC message: compressed=\(message.compressed) length=\(message.body.count)" + (typeName.map { " " + $0 } ?? ""))
            lines += describe(message.body, compressed: message.compressed != 0, typeName: typeName)
        }
        if let length = GRPCMessageSplitter.declaredLength(rest) {
            lines.append("gRPC message prefix: compressed=\(rest[rest.startIndex]) length=\(length) (\(rest.count - 5) bytes so far)")
        }
        if !rest.isEmpty { partial.withLock { $0[key] = Array(rest) } }
        return lines
    }

    private func describe(_ body: [UInt8], compressed: Bool, typeName: String?) -> [String] {
        if compressed { return ["(compressed: body not decoded)"] }
        if let schema, let typeName, let json = try? ProtobufJSONDecoder(pool: schema.pool).decode(body, messageType: typeName) {
            return [json.description]
        }
        guard let raw = try? RawProtobufText.render(body, utf8Strings: true) else { return ["(not protobuf: \(body.count) bytes)"] }
        return raw.split(separator: "\n").map(String.init)
    }

    static func flagsText(_ flags: UInt8, type: UInt8) -> String {
        var names: [String] = []
        let isDataOrHeaders = type == HTTP2FrameType.data.rawValue || type == HTTP2FrameType.headers.rawValue
        let isSettingsOrPing = type == HTTP2FrameType.settings.rawValue || type == HTTP2FrameType.ping.rawValue
        if flags & 0x01 != 0 { names.append(isDataOrHeaders ? "END_STREAM" : isSettingsOrPing ? "ACK" : "0x01") }
        if flags & 0x04 != 0 { names.append("END_HEADERS") }
        if flags & 0x08 != 0 { names.append("PADDED") }
        if flags & 0x20 != 0 { names.append("PRIORITY") }
        let hex = "0x" + (flags < 16 ? "0" : "") + String(flags, radix: 16)
        return names.isEmpty ? hex : "\(hex)(\(names.joined(separator: "|")))"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// Seconds with three decimals, without Foundation's formatter.
func format3(_ seconds: Double) -> String {
    let thousandths = Int((seconds * 1000).rounded())
    let fraction = String(thousandths % 1000)
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
