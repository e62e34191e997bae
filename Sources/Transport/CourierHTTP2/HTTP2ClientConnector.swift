import NIOCore
import NIOPosix

/// Opens client HTTP/2 connections (h2c with prior knowledge).
public enum HTTP2ClientConnector {
    /// Connects and returns the connection handler, bound to its event loop (use it only there).
    public static func connect(
        host: String, port: Int, group: any EventLoopGroup, configuration: HTTP2Configuration,
        connectTimeout: TimeAmount = .seconds(10)
    ) async throws -> (any Channel, NIOLoopBound<HTTP2Connection>) {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(connectTimeout)
            .connect(host: host, port: port).get()
        let connection = try await channel.eventLoop.submit {
            let connection = HTTP2Connection(role: .client, configuration: configuration, eventLoop: channel.eventLoop)
            try channel.pipeline.syncOperations.addHandler(connection)
            return NIOLoopBound(connection, eventLoop: channel.eventLoop)
        }.get()
        return (channel, connection)
    }
}
