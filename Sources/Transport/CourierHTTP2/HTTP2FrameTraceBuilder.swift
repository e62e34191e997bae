import CNGHTTP2

/// Turns an nghttp2 frame into an `HTTP2FrameTrace` (only when a frame observer is set).
enum HTTP2FrameTraceBuilder {
    static func trace(_ frame: UnsafePointer<nghttp2_frame>, _ direction: HTTP2FrameTrace.Direction, _ session: HTTP2Session, payload: [UInt8] = []) -> HTTP2FrameTrace {
        let hd = frame.pointee.hd
        var headers: [HTTP2Header] = []
        var detail = ""
        switch HTTP2FrameType(rawValue: hd.type) {
        case .headers:
            if direction == .sent {
                let h = frame.pointee.headers
                for i in 0..<h.nvlen {
                    let nv = h.nva[i]
                    headers.append(HTTP2Header(
                        String(decoding: UnsafeBufferPointer(start: nv.name, count: nv.namelen), as: UTF8.self),
                        String(decoding: UnsafeBufferPointer(start: nv.value, count: nv.valuelen), as: UTF8.self)))
                }
            } else if let stream = session.stream(hd.stream_id) {
                headers = stream.headerBlock
            }
        case .rstStream:
            detail = "error_code=" + HTTP2ErrorCode.name(frame.pointee.rst_stream.error_code)
        case .goaway:
            let g = frame.pointee.goaway
            detail = "last_stream_id=\(g.last_stream_id) error_code=" + HTTP2ErrorCode.name(g.error_code)
        case .settings:
            let s = frame.pointee.settings
            detail = (0..<s.niv).map { i in "\(settingName(s.iv[i].settings_id))=\(s.iv[i].value)" }.joined(separator: " ")
        case .windowUpdate:
            detail = "increment=\(frame.pointee.window_update.window_size_increment)"
        case .ping:
            var data = frame.pointee.ping.opaque_data
            detail = "opaque_data=" + withUnsafeBytes(of: &data) { $0.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
        default:
            break
        }
        return HTTP2FrameTrace(
            direction: direction, type: hd.type, streamID: hd.stream_id, flags: hd.flags, length: hd.length,
            headers: headers, detail: detail, payload: payload)
    }

    static func settingName(_ id: Int32) -> String {
        switch id {
        case HTTP2SettingID.headerTableSize: return "HEADER_TABLE_SIZE"
        case HTTP2SettingID.enablePush: return "ENABLE_PUSH"
        case HTTP2SettingID.maxConcurrentStreams: return "MAX_CONCURRENT_STREAMS"
        case HTTP2SettingID.initialWindowSize: return "INITIAL_WINDOW_SIZE"
        case HTTP2SettingID.maxFrameSize: return "MAX_FRAME_SIZE"
        case HTTP2SettingID.maxHeaderListSize: return "MAX_HEADER_LIST_SIZE"
        default: return "SETTING_\(id)"
        }
    }
}
