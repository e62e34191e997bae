import NIOCore

/// What secures a client connection before HTTP/2 runs on it: TLS with ALPN `h2`
/// (`ClientTLS` in CourierTLS). Without one, connections are cleartext HTTP/2 (h2c).
public protocol ClientConnectionSecurity: Sendable {
    /// `:scheme` of the requests sent over such a connection (`https`).
    var scheme: String { get }
    /// The name the server is checked against and `:authority` carries, if not the host dialled
    /// (gRPC's `server_host_override`).
    var serverNameOverride: String? { get }
    /// Adds the handlers that secure a new connection to `host` to its pipeline (on its event
    /// loop, before the HTTP/2 handler). The future succeeds once the server is verified and
    /// `h2` negotiated, and fails with the reason otherwise.
    func secure(_ channel: any Channel, host: String) throws -> EventLoopFuture<Void>
}

/// What secures the connections a server accepts (`ServerTLS` in CourierTLS).
public protocol ServerConnectionSecurity: Sendable {
    /// Adds the handlers that secure an accepted connection to its pipeline (on its event loop,
    /// before the HTTP/2 handler). A peer that fails the handshake or does not negotiate `h2` is
    /// disconnected.
    func secure(_ channel: any Channel) throws
}

/// A connection's security failed: the TLS handshake, or the protocol it agreed on.
public struct ConnectionSecurityError: Error, CustomStringConvertible {
    /// Why, for people.
    public let description: String

    /// An error that says `description`.
    public init(_ description: String) { self.description = description }
}
