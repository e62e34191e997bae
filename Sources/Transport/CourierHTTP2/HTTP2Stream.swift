import CNGHTTP2
import NIOCore

/// One HTTP/2 stream of an `HTTP2Session`: what is being received on it (a header block in
/// progress) and what waits to be sent (DATA bytes, then trailers or END_STREAM).
///
/// Every method must be called on the connection's event loop.
public final class HTTP2Stream {
    // @exclusivity(unchecked) on these stored properties: the stream is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    /// The HTTP/2 stream identifier (set once, when nghttp2 assigns it to a stream we open).
    @exclusivity(unchecked) public internal(set) var id: Int32
    /// Receives this stream's events; the transport holds it until the stream closes.
    @exclusivity(unchecked) public var delegate: (any HTTP2StreamDelegate)?
    /// Request header fields nghttp2 points into without a copy, kept alive until the stream ends.
    @exclusivity(unchecked) var fixedRequestHeaders: HTTP2HeaderList?

    /// The session the stream belongs to (which outlives it).
    public unowned let session: HTTP2Session

    // Inbound header block being assembled.
    @exclusivity(unchecked) var headerBlock: [HTTP2Header] = []
    @exclusivity(unchecked) var headerBlockSize = 0
    /// The peer sent a header block larger than our SETTINGS_MAX_HEADER_LIST_SIZE.
    @exclusivity(unchecked) public internal(set) var headerListTooLarge = false

    // Outbound.
    @exclusivity(unchecked) private var outbound: ByteBuffer?
    private enum Ending { case open, endStream, trailers([HTTP2Header]), prebuiltTrailers(HTTP2HeaderList) }
    @exclusivity(unchecked) private var ending = Ending.open
    /// The payload of the DATA frame nghttp2 is about to send without a copy (see `readOutbound`).
    @exclusivity(unchecked) var uncopiedPayload: ByteBuffer?
    /// DATA frames at least this large are sent from the stream's buffer without a copy; smaller
    /// ones are cheaper to copy than to send as buffers of their own.
    static let uncopiedFrameMinimum = 4096
    /// The data provider returned NGHTTP2_ERR_DEFERRED and waits for `resume`.
    @exclusivity(unchecked) private var deferred = false
    /// A data provider is attached: the stream has a body to send.
    @exclusivity(unchecked) var hasDataProvider = false
    /// True once the stream closed (both sides ended, or reset).
    @exclusivity(unchecked) public private(set) var isClosed = false

    /// When the peer opened the stream (uptime nanoseconds; set for peer-opened streams only, the
    /// ones a reset can be charged for): the Rapid Reset limit counts only resets of young streams.
    @exclusivity(unchecked) var openedAt: UInt64 = 0

    init(id: Int32, session: HTTP2Session) {
        self.id = id
        self.session = session
    }

    /// Bytes written but not yet taken by nghttp2 (flow control or the socket holds them back).
    public var pendingOutboundBytes: Int { outbound?.readableBytes ?? 0 }

    // MARK: Sending

    /// Server: sends response headers; DATA and trailers follow through `write` and `finish`.
    public func sendResponseHeaders(_ headers: [HTTP2Header]) {
        guard !isClosed else { return }
        hasDataProvider = true
        session.submitResponse(self, headers: headers, withBody: true)
    }

    /// Server: sends prebuilt response headers (no allocation); see `sendResponseHeaders(_:)`.
    public func sendResponseHeaders(_ headers: HTTP2HeaderList) {
        guard !isClosed else { return }
        hasDataProvider = true
        session.submitResponse(self, headers: headers)
    }

    /// Server: sends a single header block that also ends the stream (gRPC's trailers-only response).
    public func sendTrailersOnly(_ headers: [HTTP2Header]) {
        guard !isClosed else { return }
        ending = .endStream
        session.submitResponse(self, headers: headers, withBody: false)
    }

    /// Queues DATA bytes.
    public func write(_ bytes: ByteBuffer) {
        guard !isClosed, case .open = ending else { return }
        session.outboundBuffered(bytes.readableBytes)
        if outbound == nil {
            outbound = bytes
        } else {
            var incoming = bytes
            outbound!.writeBuffer(&incoming)
        }
        resume()
    }

    /// Ends the stream after the queued DATA: with a trailing header block, or with END_STREAM on
    /// the last DATA frame when `trailers` is nil.
    public func finish(trailers: [HTTP2Header]?) {
        guard !isClosed, case .open = ending else { return }
        ending = trailers.map { .trailers($0) } ?? .endStream
        resume()
    }

    /// Ends the stream after the queued DATA with prebuilt trailers (no allocation).
    public func finish(trailers: HTTP2HeaderList) {
        guard !isClosed, case .open = ending else { return }
        ending = .prebuiltTrailers(trailers)
        resume()
    }

    /// Sends RST_STREAM.
    public func reset(errorCode: UInt32 = HTTP2ErrorCode.cancel) {
        guard !isClosed else { return }
        session.submitReset(self, errorCode: errorCode)
    }

    /// Tells nghttp2 that `count` received bytes were processed, so it reopens the window.
    public func consume(_ count: Int) {
        guard count > 0 else { return }
        session.consume(streamID: id, count: count)
    }

    private func resume() {
        if deferred && hasDataProvider {
            deferred = false
            session.resumeData(self)
        } else {
            session.needsFlush()
        }
    }

    // MARK: Called by the session

    /// nghttp2's data source: copies up to `length` queued bytes into `buffer`.
    func readOutbound(into buffer: UnsafeMutablePointer<UInt8>, length: Int, flags: UnsafeMutablePointer<UInt32>) -> Int {
        var copied = 0
        if var pending = outbound, pending.readableBytes > 0 {
            copied = min(length, pending.readableBytes)
            if copied >= Self.uncopiedFrameMinimum {
                // nghttp2 sends the frame header and we send the payload from our own buffer
                // (HTTP2Callbacks' send_data_callback), instead of copying it twice on its way
                // out: into nghttp2's frame buffer, and from there into the connection's buffer.
                uncopiedPayload = pending.readSlice(length: copied)
                flags.pointee |= NGHTTP2Result.dataFlagNoCopy
            } else {
                pending.withUnsafeReadableBytes { source in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress!, byteCount: copied)
                }
                pending.moveReaderIndex(forwardBy: copied)
            }
            outbound = pending.readableBytes > 0 ? pending : nil
            session.outboundBuffered(-copied)
        }
        if outbound == nil {
            switch ending {
            case .open:
                if copied == 0 {
                    deferred = true
                    return NGHTTP2Result.deferred
                }
            case .endStream:
                flags.pointee |= NGHTTP2Result.dataFlagEOF
            case .trailers(let trailers):
                flags.pointee |= NGHTTP2Result.dataFlagEOF | NGHTTP2Result.dataFlagNoEndStream
                session.submitTrailers(self, trailers)
            case .prebuiltTrailers(let trailers):
                flags.pointee |= NGHTTP2Result.dataFlagEOF | NGHTTP2Result.dataFlagNoEndStream
                session.submitTrailers(self, trailers)
            }
        }
        if session.frameObserver != nil {
            let payload = uncopiedPayload.map { Array($0.readableBytesView) } ?? Array(UnsafeBufferPointer(start: buffer, count: copied))
            session.tracedSentData[id, default: []].append(payload)
        }
        if copied > 0 { delegate?.streamOutboundDrained(self) }
        return copied
    }

    /// The stream is gone; its unsent bytes are dropped (the session accounts for them, since
    /// this may run inside the session's deinit, where `session` cannot be read).
    func markClosed() {
        isClosed = true
        outbound = nil
        uncopiedPayload = nil
    }
}
