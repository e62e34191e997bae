import CourierHTTP2
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// One client HTTP/2 connection, usable from any thread; its handler lives on its event loop.
final class ClientConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<HTTP2Connection>
    /// The deadlines of this connection's calls, one timer per millisecond.
    let deadlines: NIOLoopBoundBox<CallDeadlines>
    let authority: String
    /// `http`, or `https` over TLS.
    let scheme: String
    /// Unique for the life of the process (an ObjectIdentifier can be reused once its object is
    /// gone, and a closed connection's callbacks may fire after that).
    let serial = ClientConnection.serials.wrappingAdd(1, ordering: .relaxed).newValue
    private static let serials = Atomic<UInt64>(0)
    private let usable = NIOLockedValueBox(true)
    /// The request header fields every call of a method sends on this connection, encoded once.
    private let fixedHeaders = NIOLockedValueBox([String: HTTP2HeaderList]())
    /// Methods beyond this many (a tool calling arbitrary paths) have their fields encoded per call.
    private static let maxCachedMethods = 64

    init(channel: any Channel, handler: NIOLoopBound<HTTP2Connection>, authority: String, scheme: String = "http") {
        self.scheme = scheme
        self.channel = channel
        self.handler = handler
        // Made here, off the loop; used only on it.
        self.deadlines = .makeBoxSendingValue(CallDeadlines(eventLoop: channel.eventLoop), eventLoop: channel.eventLoop)
        self.authority = authority
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// False after GOAWAY or close: new calls go to a new connection.
    var isUsable: Bool { usable.withLockedValue { $0 } && channel.isActive }

    func markUnusable() { usable.withLockedValue { $0 = false } }

    /// `:method`, `:scheme`, `:path`, `:authority`, `content-type`, `te`, `user-agent` and
    /// `grpc-accept-encoding` (every encoding Courier reads) for a call of `path`: the same for
    /// every call of a method, so encoded once per method.
    func fixedRequestHeaders(path: String, userAgent: String) -> HTTP2HeaderList {
        if let cached = fixedHeaders.withLockedValue({ $0[path] }) { return cached }
        let list = HTTP2HeaderList([
            HTTP2Header(":method", "POST"), HTTP2Header(":scheme", scheme), HTTP2Header(":path", path),
            HTTP2Header(":authority", authority), HTTP2Header("content-type", "application/grpc"),
            HTTP2Header("te", "trailers"), HTTP2Header("user-agent", userAgent),
            HTTP2Header("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingValue),
        ])
        fixedHeaders.withLockedValue { cache in
            if cache.count < Self.maxCachedMethods { cache[path] = list }
        }
        return list
    }
}

/// A call's request headers: the method's fixed fields, then this call's own (timeout, metadata).
struct RequestHeaders: Sendable {
    let fixed: HTTP2HeaderList
    let perCall: [HTTP2Header]
}

extension ClientConnection {
    /// Opens a call's stream on this connection and sends what is known at the start: the first
    /// message and, for a single request, the end of the requests. Only on the connection's loop.
    func startCall(
        headers: RequestHeaders, deadline: NIODeadline?, delivery: ClientStreamHandler.Delivery, maxReceiveMessageSize: Int,
        metadata: CallMetadataBox?, retriesTransparently: Bool = false, firstMessage: ByteBuffer?, endRequests: Bool,
        headersArrived: ResponseHeadersFlag? = nil
    ) -> ClientStreamHandler {
        let call = ClientStreamHandler(
            eventLoop: eventLoop, delivery: delivery, maxReceiveMessageSize: maxReceiveMessageSize, metadata: metadata,
            retriesTransparently: retriesTransparently, headersArrived: headersArrived)
        call.start(on: handler.value.session, headers: headers, deadline: deadline, deadlines: deadlines.value)
        if let firstMessage { call.write(firstMessage, whenWritable: nil) }
        if endRequests { call.finishRequests() }
        return call
    }
}

extension ClientConnection {
    /// Closes the connection the way RFC 9113 §6.8 asks of an endpoint that is done with it:
    /// GOAWAY (NO_ERROR) first, so the server knows the close was meant, then the socket.
    func close() async {
        markUnusable()
        let handler = self.handler
        try? await eventLoop.submit {
            let connection = handler.value
            connection.session.terminate(errorCode: HTTP2ErrorCode.noError)
            connection.flush()
        }.get()
        try? await channel.close()
    }
}
