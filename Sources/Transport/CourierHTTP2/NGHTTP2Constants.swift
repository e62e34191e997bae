import CNGHTTP2

// nghttp2's C enums arrive in Swift as structs with a `rawValue`, while frame fields are
// `uint8_t`/`int32_t`; these typed constants keep every conversion in one place.

/// HTTP/2 frame types (RFC 9113 §6).
public enum HTTP2FrameType: UInt8, Sendable, CustomStringConvertible {
    case data = 0, headers, priority, rstStream, settings, pushPromise, ping, goaway, windowUpdate, continuation

    /// The setting's RFC name and value.
    public var description: String {
        switch self {
        case .data: return "DATA"
        case .headers: return "HEADERS"
        case .priority: return "PRIORITY"
        case .rstStream: return "RST_STREAM"
        case .settings: return "SETTINGS"
        case .pushPromise: return "PUSH_PROMISE"
        case .ping: return "PING"
        case .goaway: return "GOAWAY"
        case .windowUpdate: return "WINDOW_UPDATE"
        case .continuation: return "CONTINUATION"
        }
    }
}

/// HTTP/2 frame flags.
enum HTTP2Flag {
    static let endStream = UInt8(NGHTTP2_FLAG_END_STREAM.rawValue)
    static let endHeaders = UInt8(NGHTTP2_FLAG_END_HEADERS.rawValue)
    static let ack = UInt8(NGHTTP2_FLAG_ACK.rawValue)
    static let none = UInt8(NGHTTP2_FLAG_NONE.rawValue)
}

/// HTTP/2 error codes (RFC 9113 §7).
public enum HTTP2ErrorCode {
    /// Graceful shutdown; not an error.
    public static let noError = UInt32(NGHTTP2_NO_ERROR.rawValue)
    /// The peer broke the protocol.
    public static let protocolError = UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue)
    /// An implementation fault (also: the connection was lost).
    public static let internalError = UInt32(NGHTTP2_INTERNAL_ERROR.rawValue)
    /// The peer broke flow control.
    public static let flowControlError = UInt32(NGHTTP2_FLOW_CONTROL_ERROR.rawValue)
    /// The stream was refused before any processing: safe to retry.
    public static let refusedStream = UInt32(NGHTTP2_REFUSED_STREAM.rawValue)
    /// The stream is no longer needed.
    public static let cancel = UInt32(NGHTTP2_CANCEL.rawValue)
    /// The peer is being abusive (too many PINGs, SETTINGS or resets).
    public static let enhanceYourCalm = UInt32(NGHTTP2_ENHANCE_YOUR_CALM.rawValue)

    /// The code's RFC name, e.g. `REFUSED_STREAM`.
    public static func name(_ code: UInt32) -> String {
        String(cString: nghttp2_http2_strerror(code))
    }
}

/// nghttp2 library return codes used by callbacks.
enum NGHTTP2Result {
    static let deferred = Int(NGHTTP2_ERR_DEFERRED.rawValue)
    static let callbackFailure = Int32(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
    static let temporalCallbackFailure = Int32(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
    static let dataFlagEOF = UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
    static let dataFlagNoEndStream = UInt32(NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue)
    static let dataFlagNoCopy = UInt32(NGHTTP2_DATA_FLAG_NO_COPY.rawValue)
    static let headersCategoryRequest = NGHTTP2_HCAT_REQUEST

    static func message(_ code: Int) -> String { String(cString: nghttp2_strerror(Int32(code))) }
}

/// SETTINGS identifiers (RFC 9113 §6.5.2).
enum HTTP2SettingID {
    static let headerTableSize = Int32(NGHTTP2_SETTINGS_HEADER_TABLE_SIZE.rawValue)
    static let enablePush = Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue)
    static let maxConcurrentStreams = Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue)
    static let initialWindowSize = Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue)
    static let maxFrameSize = Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue)
    static let maxHeaderListSize = Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue)
}
