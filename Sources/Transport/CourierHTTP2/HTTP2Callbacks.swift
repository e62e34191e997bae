import CNGHTTP2
import Dispatch

/// nghttp2's C callbacks. `@convention(c)` closures cannot capture, so each is a trampoline that
/// finds its `HTTP2Session` through nghttp2's user data (unretained: the session object outlives
/// its nghttp2 session) and its stream through nghttp2's stream user data.
enum HTTP2Callbacks {
    /// Runs `body` with the session, borrowed: the nghttp2 session's user data is an unretained
    /// reference to an object that outlives every callback, so no retain and release per
    /// callback (several per call: they were ~8 % of a client's samples at 110,000 calls/s).
    @inline(__always)
    static func withSession<R>(_ userData: UnsafeMutableRawPointer?, _ body: (HTTP2Session) -> R) -> R {
        Unmanaged<HTTP2Session>.fromOpaque(userData!)._withUnsafeGuaranteedRef(body)
    }

    static func install(on callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            HTTP2Callbacks.withSession(userData) { session in
                let hd = frame!.pointee.hd
                guard hd.type == HTTP2FrameType.headers.rawValue else { return 0 }
                let stream: HTTP2Stream?
                if session.role == .server && frame!.pointee.headers.cat == NGHTTP2Result.headersCategoryRequest {
                    stream = session.peerOpenedStream(hd.stream_id)
                } else {
                    stream = session.stream(hd.stream_id)
                }
                stream?.headerBlock.removeAll(keepingCapacity: true)
                stream?.headerBlock.reserveCapacity(12)
                stream?.headerBlockSize = 0
                return 0
            }
        }

        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            HTTP2Callbacks.withSession(userData) { session in
                guard let stream = session.stream(frame!.pointee.hd.stream_id) else { return 0 }
                stream.headerBlockSize += nameLength + valueLength + 32
                let limit = Int(session.configuration.maxHeaderListSize)
                if stream.headerBlockSize > limit {
                    stream.headerListTooLarge = true
                    // Far past the limit: an HPACK bomb (a small block of references to one large
                    // table entry that decodes to hundreds of MB). nghttp2 then resets the stream and
                    // skips the rest of the block without validating each field or calling back, so
                    // a bomb costs microseconds instead of ~100 ms of CPU.
                    if stream.headerBlockSize > limit * HTTP2Configuration.headerListHardLimitFactor {
                        return NGHTTP2Result.temporalCallbackFailure
                    }
                    // Just past it: keep decoding (HPACK state must stay in step) but drop the
                    // fields, and answer RESOURCE_EXHAUSTED.
                    return 0
                }
                stream.headerBlock.append(HTTP2Header(
                    session.headerStrings.string(UnsafeBufferPointer(start: name, count: nameLength)),
                    session.headerStrings.string(UnsafeBufferPointer(start: value, count: valueLength))))
                return 0
            }
        }

        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            HTTP2Callbacks.withSession(userData) { session in
                let frame = frame!
                let hd = frame.pointee.hd
                if let observer = session.frameObserver {
                    let payload = hd.type == HTTP2FrameType.data.rawValue ? session.tracedReceivedData.removeValue(forKey: hd.stream_id) ?? [] : []
                    observer(HTTP2FrameTraceBuilder.trace(frame, .received, session, payload: payload))
                }
                switch HTTP2FrameType(rawValue: hd.type) {
                case .headers:
                    guard let stream = session.stream(hd.stream_id) else { return 0 }
                    // The block stays with the stream: a delegate that does not keep it leaves the
                    // storage unique, and the next block (a response's trailers) reuses it.
                    stream.delegate?.stream(stream, receivedHeaders: stream.headerBlock, endStream: hd.flags & HTTP2Flag.endStream != 0)
                case .data:
                    if hd.flags & HTTP2Flag.endStream != 0, let stream = session.stream(hd.stream_id) {
                        stream.delegate?.streamReceivedEnd(stream)
                    }
                case .goaway:
                    let goaway = frame.pointee.goaway
                    let debug = goaway.opaque_data.map { String(decoding: UnsafeBufferPointer(start: $0, count: goaway.opaque_data_len), as: UTF8.self) } ?? ""
                    session.peerSentGoAway(lastStreamID: goaway.last_stream_id, errorCode: goaway.error_code, debugData: debug)
                case .ping:
                    if hd.flags & HTTP2Flag.ack != 0 {
                        session.peerAcknowledgedPing()
                    } else {
                        let now = DispatchTime.now().uptimeNanoseconds
                        if !session.controlFrames.allowPing(at: now) {
                            session.terminate(errorCode: HTTP2ErrorCode.enhanceYourCalm)
                        } else if session.role == .server && !session.pingPolicy.allowPing(at: now, openStreams: session.streams.count) {
                            session.tooManyPings()
                        }
                    }
                case .settings:
                    if hd.flags & HTTP2Flag.ack == 0 && !session.controlFrames.allowSettings(at: DispatchTime.now().uptimeNanoseconds) {
                        session.terminate(errorCode: HTTP2ErrorCode.enhanceYourCalm)
                    }
                case .rstStream where session.role == .server:
                    if let stream = session.stream(hd.stream_id) {
                        let now = DispatchTime.now().uptimeNanoseconds
                        if !session.controlFrames.allowReset(ofStreamAged: now &- stream.openedAt, at: now) {
                            session.terminate(errorCode: HTTP2ErrorCode.enhanceYourCalm)
                        }
                    }
                default:
                    break
                }
                return 0
            }
        }

        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { raw, _, streamID, data, length, userData in
            HTTP2Callbacks.withSession(userData) { session in
                if session.frameObserver != nil {
                    session.tracedReceivedData[streamID, default: []].append(contentsOf: UnsafeBufferPointer(start: data, count: length))
                }
                if let stream = session.stream(streamID), let delegate = stream.delegate {
                    delegate.stream(stream, receivedData: UnsafeRawBufferPointer(start: data, count: length))
                } else {
                    // Nobody will read these bytes: give the window back at once.
                    nghttp2_session_consume(raw, streamID, length)
                }
                return 0
            }
        }

        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            HTTP2Callbacks.withSession(userData) { $0.streamClosed(streamID, errorCode: errorCode) }
            return 0
        }

        nghttp2_session_callbacks_set_send_data_callback(callbacks) { _, frame, frameHeader, length, _, userData in
            HTTP2Callbacks.withSession(userData) { session in
                // We never ask for padding, so the frame is its 9-byte header and the payload.
                guard let stream = session.stream(frame!.pointee.hd.stream_id), let payload = stream.uncopiedPayload,
                      payload.readableBytes == length, frame!.pointee.data.padlen == 0 else {
                    return NGHTTP2Result.callbackFailure
                }
                stream.uncopiedPayload = nil
                session.sendUncopied(frameHeader: UnsafeRawBufferPointer(start: frameHeader, count: 9), payload: payload)
                return 0
            }
        }

        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            HTTP2Callbacks.withSession(userData) { session in
                let type = frame!.pointee.hd.type
                if type == HTTP2FrameType.data.rawValue || type == HTTP2FrameType.headers.rawValue {
                    session.controlFrames.sentTraffic()
                    session.pingPolicy.sentTraffic()
                }
                if let observer = session.frameObserver {
                    let hd = frame!.pointee.hd
                    var payload: [UInt8] = []
                    if hd.type == HTTP2FrameType.data.rawValue, var queued = session.tracedSentData[hd.stream_id], !queued.isEmpty {
                        payload = queued.removeFirst()
                        session.tracedSentData[hd.stream_id] = queued.isEmpty ? nil : queued
                    }
                    observer(HTTP2FrameTraceBuilder.trace(frame!, .sent, session, payload: payload))
                }
                return 0
            }
        }
    }

    /// The data provider every stream with a body uses; the stream is found by id.
    static let dataProvider = nghttp2_data_provider(
        source: nghttp2_data_source(ptr: nil),
        read_callback: { _, streamID, buffer, length, flags, _, userData in
            guard let stream = HTTP2Callbacks.withSession(userData, { $0.stream(streamID) }) else {
                return Int(NGHTTP2Result.temporalCallbackFailure)
            }
            return stream.readOutbound(into: buffer!, length: length, flags: flags!)
        })
}
