import Courier
import CourierHTTP2
import CourierProtos
import NIOCore
import NIOPosix
import Testing

@Suite("HTTP/2 client connector over a real socket", .timeLimit(.minutes(1)))
struct ClientConnectorTests {
    /// Regression: the connector looked its handler up in the pipeline after the connect had
    /// completed; when the server had closed at once, the pipeline was torn down by then and the
    /// caller got NIO's `notFound` instead of a connection whose close says why (courier-cli's
    /// "the server answered in HTTP/1" test failed this way in CI).
    @Test func aServerThatClosesAtOnceStillYieldsTheConnection() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(CloseAtOnce()) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = server.localAddress!.port!
        for _ in 0..<200 {
            let (channel, _) = try await HTTP2ClientConnector.connect(
                host: "127.0.0.1", port: port, group: MultiThreadedEventLoopGroup.singleton, configuration: HTTP2Configuration())
            try await channel.closeFuture.get()  // the server closes it
        }
        // Through a channel: each call fails as UNAVAILABLE (no hang), and the channel keeps
        // connecting afresh rather than holding on to a connection that closed as it opened.
        try await withChannel(port: port) { channel in
            let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
            for _ in 0..<20 {
                let error = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest(), options: CallOptions(timeout: .seconds(5))) }
                // Lost after the stream opened, or closed before: then retried on new connections, as gRPC's transparent retry.
                // (A reset the socket reports is named: "the connection failed: … Connection reset by peer".)
                let lost = error?.message == "the connection was lost" || error?.message.hasPrefix("the connection failed: ") == true
                let neverTaken = error?.message.hasPrefix("the stream was not taken 3 times in a row") == true
                #expect(error?.code == .unavailable && (lost || neverTaken), "\(String(describing: error))")
            }
        }
    }

    /// Callbacks set on a connection that has already closed: `onClose` runs at once and neither
    /// is kept (kept, they would hold what they capture for as long as the connection lives).
    @Test func callbacksSetAfterTheCloseRunAtOnceOrAreDropped() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(CloseAtOnce()) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let (channel, handler) = try await HTTP2ClientConnector.connect(
            host: "127.0.0.1", port: server.localAddress!.port!, group: MultiThreadedEventLoopGroup.singleton,
            configuration: HTTP2Configuration())
        try await channel.closeFuture.get()
        let (closeCalled, closeKept, goAwayKept) = try await channel.eventLoop.submit { () -> (Bool, Bool, Bool) in
            let connection = handler.value
            var called = false
            connection.onClose = { called = true }
            connection.onGoAway = { _, _ in }
            return (called, connection.onClose != nil, connection.onGoAway != nil)
        }.get()
        #expect(closeCalled)
        #expect(!closeKept && !goAwayKept)
    }
}

/// Closes every connection as soon as it is up: the fastest a server can end one.
private final class CloseAtOnce: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) { context.close(promise: nil) }
}
