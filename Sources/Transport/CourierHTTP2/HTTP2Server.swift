import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Listens for HTTP/2, cleartext (h2c with prior knowledge) or secured by `security` (TLS), and
/// gives each accepted connection an `HTTP2Connection` whose streams go to `acceptor`.
public final class HTTP2Server: Sendable {
    private let group: any EventLoopGroup
    private let configuration: HTTP2Configuration
    private let acceptor: any HTTP2StreamAcceptor
    private let security: (any ServerConnectionSecurity)?
    private let state = NIOLockedValueBox(State())

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: (any Channel, NIOLoopBound<HTTP2Connection>)] = [:]
    }

    /// A server on `group`'s loops; `acceptor` takes every stream a client opens; `security`,
    /// when given, secures every connection before HTTP/2 starts.
    public init(
        group: any EventLoopGroup, configuration: HTTP2Configuration, acceptor: any HTTP2StreamAcceptor,
        security: (any ServerConnectionSecurity)? = nil
    ) {
        self.group = group
        self.configuration = configuration
        self.acceptor = acceptor
        self.security = security
    }

    /// Binds and starts accepting; returns the bound address (port 0 picks a free port).
    public func start(host: String, port: Int) async throws -> SocketAddress {
        try await start(try SocketAddress.makeAddressResolvingHost(host, port: port))
    }

    /// Binds a Unix domain socket at `path` and starts accepting.
    public func start(unixDomainSocketPath path: String) async throws -> SocketAddress {
        try await start(try SocketAddress(unixDomainSocketPath: path))
    }

    private func start(_ address: SocketAddress) async throws -> SocketAddress {
        let isUnix = if case .unixDomainSocket = address { true } else { false }
        let configuration = self.configuration
        let acceptor = self.acceptor
        let security = self.security
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
        // TCP_NODELAY is a TCP option: a Unix socket refuses it.
        if !isUnix { bootstrap = bootstrap.childChannelOption(.socketOption(.tcp_nodelay), value: 1) }
        let channel = try await bootstrap
            .childChannelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try security?.secure(channel)
                    let connection = HTTP2Connection(
                        role: .server, configuration: configuration, eventLoop: channel.eventLoop, acceptor: acceptor)
                    try channel.pipeline.syncOperations.addHandler(connection)
                    self?.track(channel, connection)
                }
            }
            .bind(to: address).get()
        state.withLockedValue { $0.listener = channel }
        return channel.localAddress!
    }

    private func track(_ channel: any Channel, _ connection: HTTP2Connection) {
        let id = ObjectIdentifier(channel)
        let bound = NIOLoopBound(connection, eventLoop: channel.eventLoop)
        state.withLockedValue { $0.connections[id] = (channel, bound) }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLockedValue { $0.connections.removeValue(forKey: id) }
        }
    }

    /// Stops accepting, then shuts every connection down gracefully: in-flight calls finish (up
    /// to the configured grace time), new streams are refused. Returns when all are closed.
    public func shutdownGracefully() async {
        let (listener, connections) = state.withLockedValue { ($0.listener, Array($0.connections.values)) }
        try? await listener?.close()
        for (channel, connection) in connections {
            channel.eventLoop.execute { connection.value.shutdownGracefully() }
        }
        for (channel, _) in connections {
            try? await channel.closeFuture.get()
        }
    }

    /// Closes the listener and every connection at once.
    public func close() async {
        let (listener, connections) = state.withLockedValue { ($0.listener, Array($0.connections.values)) }
        try? await listener?.close()
        for (channel, _) in connections { try? await channel.close() }
    }
}
