import NIOCore
import NIOPosix

/// Opens client HTTP/2 connections (h2c with prior knowledge).
public enum HTTP2ClientConnector {
    /// Connects and returns the connection handler, bound to its event loop (use it only there).
    ///
    /// The handler is installed by the channel initializer, before the connection is up: the
    /// server's SETTINGS may arrive at once, and bytes that reach a pipeline without the handler
    /// would be lost.
    public static func connect(
        host: String, port: Int, group: any EventLoopGroup, configuration: HTTP2Configuration,
        connectTimeout: TimeAmount = .seconds(10)
    ) async throws -> (any Channel, NIOLoopBound<HTTP2Connection>) {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = HTTP2Connection(role: .client, configuration: configuration, eventLoop: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(host: host, port: port).get()
        let connection = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: HTTP2Connection.self), eventLoop: channel.eventLoop)
        }.get()
        return (channel, connection)
    }
}
