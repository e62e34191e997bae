import NIOCore
import NIOPosix

/// Opens client HTTP/2 connections: h2c with prior knowledge, or over TLS with ALPN `h2` when a
/// `ClientConnectionSecurity` is given.
public enum HTTP2ClientConnector {
    /// Connects and returns the connection handler, bound to its event loop (use it only there).
    ///
    /// The handler is installed by the channel initializer, before the connection is up: the
    /// server's SETTINGS may arrive at once, and bytes that reach a pipeline without the handler
    /// would be lost. The initializer also hands the handler back: looking it up in the pipeline
    /// after the connect fails with NIO's `notFound` when the server has already answered and
    /// closed (the pipeline is torn down by then), hiding what the server sent.
    ///
    /// With `security`, it returns once the TLS handshake has completed and the server chose
    /// `h2`; a failed handshake closes the connection and throws its reason.
    ///
    /// `unixDomainSocketPath`, when given, is dialled instead of `host` and `port` (`host` then
    /// names the server for TLS).
    public static func connect(
        host: String, port: Int, group: any EventLoopGroup, configuration: HTTP2Configuration,
        connectTimeout: Duration = .seconds(10), security: (any ClientConnectionSecurity)? = nil, unixDomainSocketPath: String? = nil
    ) async throws -> (any Channel, NIOLoopBound<HTTP2Connection>) {
        let initializer: @Sendable (any Channel) -> EventLoopFuture<(any Channel, NIOLoopBound<HTTP2Connection>, EventLoopFuture<Void>?)> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let handshake = try security?.secure(channel, host: host)
                let connection = HTTP2Connection(role: .client, configuration: configuration, eventLoop: channel.eventLoop)
                try channel.pipeline.syncOperations.addHandler(connection)
                return (channel, NIOLoopBound(connection, eventLoop: channel.eventLoop), handshake)
            }
        }
        let bootstrap = ClientBootstrap(group: group).connectTimeout(connectTimeout.timeAmount)
        let (channel, connection, handshake) = if let unixDomainSocketPath {
            try await bootstrap.connect(unixDomainSocketPath: unixDomainSocketPath, channelInitializer: initializer)
        } else {
            try await bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1).connect(host: host, port: port, channelInitializer: initializer)
        }
        if let handshake {
            do {
                try await handshake.get()
            } catch {
                try? await channel.close()
                throw error
            }
        }
        return (channel, connection)
    }
}
