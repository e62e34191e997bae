import NIOCore

/// A SwiftNIO channel handler that drives an `HTTP2Session`: received bytes go into nghttp2,
/// frames nghttp2 produces go to the socket. One per TCP connection; confined to its event loop.
///
/// Writes coalesce: submits made outside a read schedule a single flush for the current loop
/// tick, and nothing is taken from nghttp2 while the socket is not writable (nghttp2 then holds
/// the frames, and flow control holds the peer).
public final class HTTP2Connection: ChannelInboundHandler, HTTP2SessionOwner {
    /// Bytes read from the socket.
    public typealias InboundIn = ByteBuffer
    /// Bytes written to the socket.
    public typealias OutboundOut = ByteBuffer

    /// The nghttp2 session this handler drives.
    public let session: HTTP2Session
    /// The loop the handler, its session and its streams are confined to.
    public let eventLoop: any EventLoop
    /// Strong: an acceptor holds no connection, and a weak reference would put it on the slow
    /// reference-counting path (a side table) for every stream.
    private let acceptor: (any HTTP2StreamAcceptor)?
    // @exclusivity(unchecked) on these stored properties: the connection is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    @exclusivity(unchecked) private var context: ChannelHandlerContext?
    @exclusivity(unchecked) private var flushScheduled = false
    @exclusivity(unchecked) private var keepaliveTask: Scheduled<Void>?
    @exclusivity(unchecked) private var keepaliveTimeout: Scheduled<Void>?
    @exclusivity(unchecked) private var shutdownTimeout: Scheduled<Void>?
    /// Server: the max-idle and max-age timers (`HTTP2Configuration.maxConnectionIdle`, `maxConnectionAge`).
    @exclusivity(unchecked) private var idleTimer: Scheduled<Void>?
    @exclusivity(unchecked) private var ageTimer: Scheduled<Void>?
    /// Bytes came from the peer since the keepalive timer last fired: it pings only a connection
    /// that stayed idle for a whole interval (a flag, not a clock read per read).
    @exclusivity(unchecked) private var readSinceKeepaliveCheck = false
    @exclusivity(unchecked) private var shuttingDown = false
    /// The bytes of the last flush. Once the socket has written them NIO lets go of the buffer,
    /// and the next flush clears and refills it instead of allocating (one to three allocations
    /// per flush before); if a write is still pending, clearing it allocates anew.
    @exclusivity(unchecked) private var flushBuffer = ByteBuffer()
    /// The size of the last flush, so a new buffer is allocated once at about the right size.
    @exclusivity(unchecked) private var lastFlushSize = 1024
    /// Nothing has been read yet: the first bytes tell whether the peer speaks HTTP/2 at all.
    @exclusivity(unchecked) private var awaitingFirstBytes = true

    /// Called once when the peer sends GOAWAY (client connections stop taking new calls); set
    /// after the connection closed, it is dropped (it could never be called).
    @exclusivity(unchecked) public var onGoAway: ((Int32, UInt32) -> Void)? {
        didSet { if hasClosed { onGoAway = nil } }
    }
    /// Called once when the connection has closed; set after that, it is called at once and not
    /// kept (a callback kept by a closed connection would hold whatever it captures forever).
    @exclusivity(unchecked) public var onClose: (() -> Void)? {
        didSet {
            if hasClosed, let onClose {
                self.onClose = nil
                onClose()
            }
        }
    }
    /// The socket closed or the handler left its pipeline: no callback will come any more.
    @exclusivity(unchecked) private var hasClosed = false
    /// The address of the peer, once connected.
    @exclusivity(unchecked) public private(set) var remoteAddress: SocketAddress?

    /// A connection in `role`; a server passes the acceptor that takes the peer's streams.
    public init(role: HTTP2Session.Role, configuration: HTTP2Configuration, eventLoop: any EventLoop, acceptor: (any HTTP2StreamAcceptor)? = nil) {
        self.session = HTTP2Session(role: role, configuration: configuration)
        self.eventLoop = eventLoop
        self.acceptor = acceptor
        self.session.owner = self
    }

    // MARK: Channel events

    /// Joins the pipeline; on an already connected channel the session starts at once.
    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    /// Always called when the handler leaves the pipeline, even for a channel that never became
    /// active (a failed connect): drop the context, or handler and context would keep each other.
    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        hasClosed = true
        onClose = nil
        onGoAway = nil
        self.context = nil
    }

    /// The socket connected: send what the session has ready.
    public func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        remoteAddress = context.channel.remoteAddress
        flush()
        if keepaliveTask == nil, let interval = session.configuration.keepaliveInterval { scheduleKeepalive(in: interval) }
        if session.role == .server { scheduleLifetimeTimers() }
    }

    /// Feeds received bytes to the session; a fatal protocol error closes the connection.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        readSinceKeepaliveCheck = true
        if awaitingFirstBytes {
            awaitingFirstBytes = false
            if session.role == .client, let problem = Self.notHTTP2(bytes) { session.closeReason = problem }
        }
        if let error = session.receive(bytes) {
            // A bad preface, a flood or a protocol error: nghttp2 has queued GOAWAY; send it and go.
            if session.closeReason == nil { session.closeReason = "HTTP/2 protocol error from the peer: \(error)" }
            flush()
            context.close(promise: nil)
        }
    }

    /// Why a server's first bytes are not HTTP/2, or nil when they may be: an HTTP/2 server
    /// starts with a SETTINGS frame (type 4 in the frame header's fourth byte).
    static func notHTTP2(_ bytes: ByteBuffer) -> String? {
        let head = bytes.getBytes(at: bytes.readerIndex, length: min(bytes.readableBytes, 64)) ?? []
        guard head.count >= 4, head[3] != HTTP2FrameType.settings.rawValue else { return nil }
        let text = String(decoding: head, as: UTF8.self)
        // A TLS record (handshake or alert, version 3.x): the server wants TLS.
        if (head[0] == 0x15 || head[0] == 0x16) && head[1] == 0x03 {
            return "the server answered with TLS: connect to it with TLS (ChannelConfiguration.security, --tls)"
        }
        let advice = "is it a gRPC server that accepts cleartext HTTP/2 (h2c) with prior knowledge?"
        if text.hasPrefix("HTTP/1.") {
            // By scalars: "\r\n" is one Character, equal to neither "\r" nor "\n".
            let statusLine = String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\r" && $0 != "\n" }))
            return "the server answered in HTTP/1 (\(statusLine)), not HTTP/2: " + advice
        }
        let printable = String(text.unicodeScalars.prefix(32).map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "." })
        return "the server's first bytes are not HTTP/2 (\"\(printable)\"): " + advice
    }

    /// Writes what reading produced, once per read burst.
    public func channelReadComplete(context: ChannelHandlerContext) {
        flush()
    }

    /// Resumes writing when the socket drains.
    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flush() }
        context.fireChannelWritabilityChanged()
    }

    /// The socket closed: every open stream fails.
    public func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        session.closeAllStreams(errorCode: HTTP2ErrorCode.internalError)
        hasClosed = true
        let onClose = self.onClose
        self.onClose = nil
        self.onGoAway = nil
        onClose?()
        self.context = nil
        context.fireChannelInactive()
    }

    /// A socket or TLS error: the connection closes with it as the reason its streams see.
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if session.closeReason == nil { session.closeReason = "the connection failed: \(error)" }
        context.close(promise: nil)
    }

    // MARK: Output

    /// Takes every frame nghttp2 has ready and writes it; closes once the session is finished.
    public func flush() {
        guard let context else { return }
        if context.channel.isWritable && session.wantsWrite {
            var buffer = ByteBuffer()
            swap(&buffer, &flushBuffer)
            buffer.clear(minimumCapacity: lastFlushSize)
            // Kept only while small: a connection that once flushed a lot should not hold it idle.
            defer { flushBuffer = buffer.capacity <= 64 << 10 ? buffer : ByteBuffer() }
            var wrote = false
            let healthy = session.takeOutbound(into: &buffer) { bytes in
                context.write(self.wrapOutboundOut(bytes), promise: nil)
                wrote = true
            }
            lastFlushSize = max(1024, min(buffer.readableBytes + buffer.readableBytes / 4, 1 << 20))
            if buffer.readableBytes > 0 {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            } else if wrote {
                context.flush()
            }
            if !healthy {
                context.close(promise: nil)
                return
            }
        }
        if !session.isAlive { context.close(promise: nil) }
    }

    /// The session has frames to send: flush now, or after the read in progress.
    public func sessionNeedsFlush(_ session: HTTP2Session) {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            self.flush()
        }
    }

    // MARK: Session events

    /// The peer opened a stream: hand it to the acceptor.
    public func session(_ session: HTTP2Session, peerOpened stream: HTTP2Stream) {
        idleTimer?.cancel()
        idleTimer = nil
        if shuttingDown && session.receivedGoAway {
            stream.reset(errorCode: HTTP2ErrorCode.refusedStream)
            return
        }
        acceptor?.accept(stream, on: self)
    }

    /// The peer sent GOAWAY: tell the owner; streams above `lastStreamID` were refused.
    public func session(_ session: HTTP2Session, receivedGoAway lastStreamID: Int32, errorCode: UInt32) {
        let onGoAway = self.onGoAway
        self.onGoAway = nil
        onGoAway?(lastStreamID, errorCode)
    }

    /// A PING we sent was answered.
    public func sessionReceivedPingAck(_ session: HTTP2Session) {
        keepaliveTimeout?.cancel()
        keepaliveTimeout = nil
        if shuttingDown { finishShutdown() }
    }

    /// The last stream closed: a server with a max idle time starts counting it.
    public func sessionHasNoStreams(_ session: HTTP2Session) {
        guard session.role == .server, let idle = session.configuration.maxConnectionIdle, !shuttingDown, context != nil else { return }
        idleTimer?.cancel()
        idleTimer = eventLoop.assumeIsolated().scheduleTask(in: idle.timeAmount) { [weak self] in
            guard let self, self.session.streams.isEmpty else { return }
            self.shutdownGracefully()
        }
    }

    private func cancelTimers() {
        keepaliveTask?.cancel()
        keepaliveTimeout?.cancel()
        shutdownTimeout?.cancel()
        idleTimer?.cancel()
        ageTimer?.cancel()
    }

    // The timers capture the connection weakly: a strong capture is a cycle whenever a timer
    // outlives the channel's teardown (LeakSanitizer found client connections held that way).

    /// Server: a new connection is idle until its first stream, and may live `maxConnectionAge`
    /// less a random tenth.
    private func scheduleLifetimeTimers() {
        if session.configuration.maxConnectionIdle != nil { sessionHasNoStreams(session) }
        if let age = session.configuration.maxConnectionAge, ageTimer == nil {
            let nanoseconds = age.timeAmount.nanoseconds
            let jittered = nanoseconds - Int64.random(in: 0...max(0, nanoseconds / 10))
            ageTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(jittered)) { [weak self] in
                guard let self else { return }
                self.shutdownGracefully(grace: self.session.configuration.maxConnectionAgeGrace)
            }
        }
    }

    /// PINGs the peer once nothing has come from it for a whole `keepaliveInterval` (so between one
    /// and two intervals after the last read): a connection that is reading needs no proof the
    /// peer is alive. A client without open calls sends none (unless `keepaliveWithoutCalls`).
    private func scheduleKeepalive(in delay: Duration) {
        guard context != nil else { return }
        keepaliveTask = eventLoop.assumeIsolated().scheduleTask(in: delay.timeAmount) { [weak self] in
            self?.keepaliveDue()
        }
    }

    private func keepaliveDue() {
        guard let interval = session.configuration.keepaliveInterval, context != nil else { return }
        if readSinceKeepaliveCheck {
            readSinceKeepaliveCheck = false
        } else if session.configuration.keepaliveWithoutCalls || !session.streams.isEmpty {
            sendKeepalive()
        }
        scheduleKeepalive(in: interval)
    }

    private func sendKeepalive() {
        guard keepaliveTimeout == nil, context != nil else { return }
        session.ping()
        let timeout = session.configuration.keepaliveTimeout
        keepaliveTimeout = eventLoop.assumeIsolated().scheduleTask(in: timeout.timeAmount) { [weak self] in
            guard let self else { return }
            // The peer is gone or stuck: end the connection; open calls fail with UNAVAILABLE.
            self.session.closeReason = "the peer did not answer a keepalive PING within \(timeout): it is gone or stuck"
            self.session.terminate(errorCode: HTTP2ErrorCode.noError)
            self.flush()
            self.context?.close(promise: nil)
        }
    }

    // MARK: Graceful shutdown

    /// Starts a graceful shutdown: a GOAWAY shutdown notice and a PING; when the PING returns (so
    /// every stream the client sent before the notice has arrived) the final GOAWAY, after which
    /// in-flight streams finish and the connection closes. Forced closed after the grace timeout.
    public func shutdownGracefully() {
        shutdownGracefully(grace: session.configuration.gracefulShutdownTimeout)
    }

    /// Graceful shutdown with `grace` for the streams in flight.
    public func shutdownGracefully(grace: Duration) {
        guard !shuttingDown, context != nil else { return }
        shuttingDown = true
        idleTimer?.cancel()
        ageTimer?.cancel()
        session.announceShutdown()
        keepaliveTimeout?.cancel()
        keepaliveTimeout = nil
        session.ping(0x636f_7572_6965_72)  // "courier"
        shutdownTimeout = eventLoop.assumeIsolated().scheduleTask(in: grace.timeAmount) { [weak self] in
            self?.session.terminate(errorCode: HTTP2ErrorCode.noError)
            self?.flush()
            self?.context?.close(promise: nil)
        }
        flush()
    }

    private func finishShutdown() {
        session.goAway()
        flush()
    }
}
