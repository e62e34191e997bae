import CHTTP2Memory
import CNGHTTP2
import Dispatch
import NIOCore

/// A sans-I/O HTTP/2 endpoint: nghttp2 owns the protocol state machine; this class owns the
/// nghttp2 session, its streams and the policy nghttp2 leaves to its user.
///
/// Bytes go in through `receive(_:)` and come out through `takeOutbound(into:)`; events reach the
/// `owner` and each stream's delegate synchronously, inside those calls. Not thread-safe: it must
/// be confined to one event loop.
public final class HTTP2Session {
    /// Which end of the connection this session is.
    public enum Role: Sendable { case client, server }

    /// Client or server.
    public let role: Role
    /// The settings and limits it runs with.
    public let configuration: HTTP2Configuration
    /// The connection that owns this session (and so outlives it).
    public unowned(unsafe) var owner: (any HTTP2SessionOwner)?
    // @exclusivity(unchecked) on these stored properties: the session is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    /// Sees every frame sent and received, when set (the debugging CLI's `--trace`).
    @exclusivity(unchecked) public var frameObserver: ((HTTP2FrameTrace) -> Void)?
    /// DATA payloads seen by nghttp2 but not yet reported as frames, per stream, kept only while
    /// a frame observer is set: received chunks arrive before their frame's callback, and bytes
    /// copied out for sending before the frame-sent callback.
    @exclusivity(unchecked) var tracedReceivedData: [Int32: [UInt8]] = [:]
    @exclusivity(unchecked) var tracedSentData: [Int32: [[UInt8]]] = [:]
    /// Received header names and values this connection keeps seeing, shared instead of rebuilt.
    @exclusivity(unchecked) var headerStrings = HeaderStringCache()
    /// Why the connection became unusable, in words a person can act on (e.g. the peer answered
    /// in HTTP/1.1); calls that fail because of it say so.
    @exclusivity(unchecked) public var closeReason: String?

    /// The nghttp2 session; owned by this object, deleted in `deinit`.
    let raw: OpaquePointer
    /// nghttp2's allocations for this session; freed after the session (see deinit).
    private let memoryPool: OpaquePointer
    /// Open streams by id. The stream's user data in nghttp2 points at the same object (unretained)
    /// for lookups in callbacks; this dictionary is what keeps it alive.
    @exclusivity(unchecked) private(set) var streams: [Int32: HTTP2Stream] = [:]
    /// Set while nghttp2 is inside `mem_recv`, so owners do not flush from inside a callback.
    @exclusivity(unchecked) private(set) var isReceiving = false
    /// The peer sent GOAWAY.
    @exclusivity(unchecked) public private(set) var receivedGoAway = false
    /// The peer's PING and SETTINGS allowance; past it the session ends with ENHANCE_YOUR_CALM.
    @exclusivity(unchecked) var controlFrames: ControlFrameLimit
    /// Server: gRPC's keepalive enforcement on the client's PINGs.
    @exclusivity(unchecked) var pingPolicy: PingPolicy
    /// DATA bytes written to this session's streams and not yet taken by nghttp2: what the peer
    /// has not read. Bounded by `configuration.maxBufferedOutboundBytes` (see `canBuffer`).
    @exclusivity(unchecked) public private(set) var bufferedOutboundBytes = 0
    /// The server-wide budget this session also reports into, if any.
    @exclusivity(unchecked) public var sharedOutboundBudget: OutboundByteBudget?
    /// Where `takeOutbound` serialises frames, and where it hands buffers while it runs.
    @exclusivity(unchecked) private var sendBuffer = ByteBuffer()
    /// The DATA payloads sent without a copy during one `takeOutbound`, each with where it goes in
    /// `sendBuffer`: after the bytes up to `cut` (its frame header the last of them).
    @exclusivity(unchecked) private var uncopiedPayloads: [(cut: Int, payload: ByteBuffer)] = []
    /// The connection is gone (`closeAllStreams` ran): no stream may be opened any more, since
    /// nothing would ever close it.
    @exclusivity(unchecked) public private(set) var isClosed = false

    /// A session in `role` that has queued its connection preface and settings.
    public init(role: Role, configuration: HTTP2Configuration) {
        self.role = role
        self.configuration = configuration
        self.frameObserver = configuration.frameObserver
        self.controlFrames = ControlFrameLimit(
            resetBurst: Double(configuration.streamResetBurst), resetsPerSecond: Double(configuration.streamResetRatePerSecond))
        self.pingPolicy = configuration.pingPolicy
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        HTTP2Callbacks.install(on: callbacks!)
        var option: OpaquePointer?
        nghttp2_option_new(&option)
        // Window updates follow what the application consumed, not what arrived (flow control).
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_peer_max_concurrent_streams(option, 100)
        // Rapid Reset is limited by `controlFrames` (only resets of young streams count); nghttp2's
        // own limiter counts every reset and would end a connection whose calls all timed out.
        nghttp2_option_set_stream_reset_rate_limit(option, UInt64(1) << 40, UInt64(1) << 40)
        nghttp2_option_set_max_settings(option, 64)
        // A server's nghttp2 otherwise keeps up to MAX_CONCURRENT_STREAMS closed streams in its
        // priority tree (one allocation per call, held); gRPC sends no priorities, and RFC 9113
        // deprecated them.
        nghttp2_option_set_no_closed_streams(option, 1)
        var session: OpaquePointer?
        let pool = courier_http2_pool_new()!
        self.memoryPool = pool
        let mem = courier_http2_pool_mem(pool).assumingMemoryBound(to: nghttp2_mem.self)
        // user_data is set right after: `self` cannot be used before every property is initialised.
        switch role {
        case .server: nghttp2_session_server_new3(&session, callbacks, nil, option, mem)
        case .client: nghttp2_session_client_new3(&session, callbacks, nil, option, mem)
        }
        nghttp2_option_del(option)
        nghttp2_session_callbacks_del(callbacks)
        self.raw = session!
        nghttp2_session_set_user_data(raw, Unmanaged.passUnretained(self).toOpaque())
        submitInitialSettings()
    }

    deinit {
        for stream in streams.values { stream.markClosed() }
        sharedOutboundBudget?.remove(bufferedOutboundBytes)
        nghttp2_session_del(raw)
        // After the session: nghttp2_session_del gives every block back to the pool first.
        courier_http2_pool_free(memoryPool)
    }

    /// What the session's memory pool has done (tests check that every block comes back).
    var memoryPoolStats: courier_http2_pool_stats { courier_http2_pool_get_stats(memoryPool) }

    private func submitInitialSettings() {
        var settings = [
            nghttp2_settings_entry(settings_id: HTTP2SettingID.maxConcurrentStreams, value: configuration.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: HTTP2SettingID.initialWindowSize, value: configuration.initialStreamWindowSize),
            nghttp2_settings_entry(settings_id: HTTP2SettingID.maxFrameSize, value: configuration.maxFrameSize),
            nghttp2_settings_entry(settings_id: HTTP2SettingID.maxHeaderListSize, value: configuration.maxHeaderListSize),
            nghttp2_settings_entry(settings_id: HTTP2SettingID.enablePush, value: 0),
        ]
        nghttp2_submit_settings(raw, HTTP2Flag.none, &settings, settings.count)
        nghttp2_session_set_local_window_size(raw, HTTP2Flag.none, 0, configuration.connectionWindowSize)
    }

    // MARK: Bytes in and out

    /// Feeds received bytes. Returns nil on success, else nghttp2's description of why the
    /// connection is unusable (bad preface, flood, protocol error); a GOAWAY may be queued for it.
    public func receive(_ bytes: ByteBuffer) -> String? {
        isReceiving = true
        defer { isReceiving = false }
        let result = bytes.withUnsafeReadableBytes { buffer in
            nghttp2_session_mem_recv(raw, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count)
        }
        return result < 0 ? NGHTTP2Result.message(result) : nil
    }

    /// Appends every frame nghttp2 has ready to `buffer`, large DATA payloads copied in too (for
    /// callers that want one buffer, such as tests). Returns false on a fatal session error.
    @discardableResult
    public func takeOutbound(into buffer: inout ByteBuffer) -> Bool {
        var before: [ByteBuffer] = []
        var tail = ByteBuffer()
        let healthy = takeOutbound(into: &tail) { before.append($0) }
        for var chunk in before { buffer.writeBuffer(&chunk) }
        buffer.writeBuffer(&tail)
        return healthy
    }

    /// Takes every frame nghttp2 has ready, in order. Frames are serialised into `buffer`, except
    /// the payload of a large DATA frame: that goes out as a slice of the bytes the stream was
    /// given. Such slices, with everything serialised before each, are handed to `write` in order
    /// before this returns, and `buffer` holds what follows the last: write it after them. A
    /// message is thus never copied on its way to the socket. Returns false on a fatal session
    /// error.
    public func takeOutbound(into buffer: inout ByteBuffer, write: (ByteBuffer) -> Void) -> Bool {
        swap(&buffer, &sendBuffer)
        defer { swap(&buffer, &sendBuffer) }
        // The buffers go to `write` after nghttp2 is done: the closure is not stored (and not
        // optional, which would make it escaping), so a flush allocates nothing for it. Only then
        // is `sendBuffer` sliced at the cuts: a slice taken earlier would share its storage, and
        // the next frame written to it would copy the whole buffer.
        defer {
            if !uncopiedPayloads.isEmpty {
                var start = sendBuffer.readerIndex
                for (cut, payload) in uncopiedPayloads {
                    write(sendBuffer.getSlice(at: start, length: cut - start)!)
                    write(payload)
                    start = cut
                }
                sendBuffer.moveReaderIndex(to: start)
                uncopiedPayloads.removeAll(keepingCapacity: true)
            }
        }
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(raw, &data)
            if count < 0 { return false }
            if count == 0 { return true }
            sendBuffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
    }

    /// A DATA frame sent without a copy (`NGHTTP2_DATA_FLAG_NO_COPY`): its 9-byte header, then
    /// its payload as its own buffer. One send buffer serves every frame of a flush (a 1 MiB
    /// message is 64 frames at the default frame size): it is cut into slices once nghttp2 is done.
    func sendUncopied(frameHeader: UnsafeRawBufferPointer, payload: ByteBuffer) {
        sendBuffer.writeBytes(frameHeader)
        uncopiedPayloads.append((sendBuffer.writerIndex, payload))
    }

    /// Whether the session has anything to send.
    public var wantsWrite: Bool { nghttp2_session_want_write(raw) != 0 }

    /// False once both sides are done (after GOAWAY with no streams left, or a fatal error).
    public var isAlive: Bool { nghttp2_session_want_read(raw) != 0 || nghttp2_session_want_write(raw) != 0 }

    /// Streams open now.
    public var openStreamCount: Int { streams.count }

    // MARK: Connection-level actions

    /// Client: opens a stream with request headers and a body sent through the stream's `write`.
    /// The headers are `fixed` (encoded once, e.g. per method: not copied, and kept alive by the
    /// stream), if given, then `headers` (per call, e.g. grpc-timeout). Returns nil when the
    /// connection can take no new stream (closed, ids exhausted, shutting down); the caller may
    /// retry elsewhere, as nothing was sent.
    public func openStream(fixed: HTTP2HeaderList? = nil, headers: [HTTP2Header], delegate: any HTTP2StreamDelegate) -> HTTP2Stream? {
        guard !isClosed else { return nil }
        var provider = HTTP2Callbacks.dataProvider
        let stream = HTTP2Stream(id: 0, session: self)
        // The stream's user data goes in with the request: set afterwards, nghttp2 looks for the
        // stream among the requests not yet sent, one by one (most of the client's time at
        // 70,000 calls/s with 64 calls waiting per connection).
        let id = HTTP2HeaderBlock.withNV(fixed: fixed, headers) { nva, count in
            nghttp2_submit_request(raw, nil, nva, count, &provider, Unmanaged.passUnretained(stream).toOpaque())
        }
        guard id > 0 else { return nil }
        stream.id = id
        stream.fixedRequestHeaders = fixed
        stream.delegate = delegate
        stream.hasDataProvider = true
        streams[id] = stream
        needsFlush()
        return stream
    }

    /// Sends PING with the given 8 bytes of opaque data.
    public func ping(_ payload: UInt64 = 0) {
        var data = payload.bigEndian
        _ = withUnsafeBytes(of: &data) { nghttp2_submit_ping(raw, HTTP2Flag.none, $0.baseAddress?.assumingMemoryBound(to: UInt8.self)) }
        needsFlush()
    }

    /// Graceful shutdown, first step (server): GOAWAY with the largest stream id, telling the
    /// client to open no new streams while one round trip's worth of in-flight ones still arrive.
    public func announceShutdown() {
        if role == .server { nghttp2_submit_shutdown_notice(raw) }
        needsFlush()
    }

    /// GOAWAY naming the last stream we processed; streams above it are refused, streams at or
    /// below it finish. The session ends once they have.
    public func goAway(errorCode: UInt32 = HTTP2ErrorCode.noError) {
        nghttp2_submit_goaway(raw, HTTP2Flag.none, nghttp2_session_get_last_proc_stream_id(raw), errorCode, nil, 0)
        needsFlush()
    }

    /// Ends the session at once with GOAWAY (e.g. a keepalive timeout).
    public func terminate(errorCode: UInt32) {
        nghttp2_session_terminate_session(raw, errorCode)
        needsFlush()
    }

    /// The client broke the PING policy: GOAWAY ENHANCE_YOUR_CALM with gRPC's debug data
    /// "too_many_pings" (gRPC clients read it and double their keepalive interval).
    func tooManyPings() {
        closeReason = "the client sent PINGs more often than the server's keepalive policy allows"
        let debug = Array("too_many_pings".utf8)
        nghttp2_submit_goaway(raw, HTTP2Flag.none, nghttp2_session_get_last_proc_stream_id(raw), HTTP2ErrorCode.enhanceYourCalm, debug, debug.count)
        // No stream may start after this; the session ends once the GOAWAY is out.
        nghttp2_session_terminate_session(raw, HTTP2ErrorCode.enhanceYourCalm)
        needsFlush()
    }

    /// Tells every open stream the connection is gone; called when the socket closes.
    public func closeAllStreams(errorCode: UInt32) {
        isClosed = true
        let open = streams
        streams.removeAll()
        for stream in open.values {
            outboundBuffered(-stream.pendingOutboundBytes)
            stream.markClosed()
            let delegate = stream.delegate
            stream.delegate = nil
            delegate?.stream(stream, closedWithErrorCode: errorCode)
        }
    }

    // MARK: Used by streams

    func needsFlush() {
        if !isReceiving { owner?.sessionNeedsFlush(self) }
    }

    func submitResponse(_ stream: HTTP2Stream, headers: [HTTP2Header], withBody: Bool) {
        var provider = HTTP2Callbacks.dataProvider
        HTTP2HeaderBlock.withNV(headers) { nva, count in
            _ = withBody
                ? nghttp2_submit_response(raw, stream.id, nva, count, &provider)
                : nghttp2_submit_response(raw, stream.id, nva, count, nil)
        }
        needsFlush()
    }

    func submitResponse(_ stream: HTTP2Stream, headers: HTTP2HeaderList) {
        var provider = HTTP2Callbacks.dataProvider
        nghttp2_submit_response(raw, stream.id, headers.fields.baseAddress, headers.count, &provider)
        needsFlush()
    }

    func submitTrailers(_ stream: HTTP2Stream, _ trailers: HTTP2HeaderList) {
        nghttp2_submit_trailer(raw, stream.id, trailers.fields.baseAddress, trailers.count)
    }

    func submitTrailers(_ stream: HTTP2Stream, _ trailers: [HTTP2Header]) {
        HTTP2HeaderBlock.withNV(trailers) { nva, count in
            _ = nghttp2_submit_trailer(raw, stream.id, nva, count)
        }
    }

    func submitReset(_ stream: HTTP2Stream, errorCode: UInt32) {
        nghttp2_submit_rst_stream(raw, HTTP2Flag.none, stream.id, errorCode)
        needsFlush()
    }

    func resumeData(_ stream: HTTP2Stream) {
        nghttp2_session_resume_data(raw, stream.id)
        needsFlush()
    }

    func consume(streamID: Int32, count: Int) {
        nghttp2_session_consume(raw, streamID, count)
        needsFlush()
    }

    // MARK: Used by the callbacks

    func stream(_ id: Int32) -> HTTP2Stream? {
        guard let pointer = nghttp2_session_get_stream_user_data(raw, id) else { return nil }
        return Unmanaged<HTTP2Stream>.fromOpaque(pointer).takeUnretainedValue()
    }

    func register(_ stream: HTTP2Stream) {
        streams[stream.id] = stream
        nghttp2_session_set_stream_user_data(raw, stream.id, Unmanaged.passUnretained(stream).toOpaque())
    }

    func peerOpenedStream(_ id: Int32) -> HTTP2Stream {
        let stream = HTTP2Stream(id: id, session: self)
        stream.openedAt = DispatchTime.now().uptimeNanoseconds
        register(stream)
        owner?.session(self, peerOpened: stream)
        return stream
    }

    func streamClosed(_ id: Int32, errorCode: UInt32) {
        if frameObserver != nil {
            tracedReceivedData[id] = nil
            tracedSentData[id] = nil
        }
        guard let stream = streams.removeValue(forKey: id) else { return }
        nghttp2_session_set_stream_user_data(raw, id, nil)
        outboundBuffered(-stream.pendingOutboundBytes)
        stream.markClosed()
        let delegate = stream.delegate
        stream.delegate = nil
        delegate?.stream(stream, closedWithErrorCode: errorCode)
        if streams.isEmpty { owner?.sessionHasNoStreams(self) }
    }

    /// Whether `count` more bytes may be queued towards the peer: within this connection's limit
    /// and the server-wide budget. Callers refuse the answer (or the call) when not.
    public func canBuffer(_ count: Int) -> Bool {
        bufferedOutboundBytes + count <= configuration.maxBufferedOutboundBytes && (sharedOutboundBudget?.fits(count) ?? true)
    }

    func outboundBuffered(_ delta: Int) {
        bufferedOutboundBytes += delta
        if delta > 0 { sharedOutboundBudget?.add(delta) } else if delta < 0 { sharedOutboundBudget?.remove(-delta) }
    }

    func peerSentGoAway(lastStreamID: Int32, errorCode: UInt32, debugData: String = "") {
        receivedGoAway = true
        // An error code says why the peer ends the connection: the reason its streams will see.
        if errorCode != HTTP2ErrorCode.noError, closeReason == nil {
            let printable = String(debugData.unicodeScalars.prefix(128).filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
            closeReason = "the peer ended the connection with GOAWAY \(HTTP2ErrorCode.name(errorCode))" + (printable.isEmpty ? "" : " (\(printable))")
        }
        owner?.session(self, receivedGoAway: lastStreamID, errorCode: errorCode)
    }

    func peerAcknowledgedPing() {
        owner?.sessionReceivedPingAck(self)
    }
}
