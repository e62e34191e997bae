import NIOCore

/// The HTTP/2 policy of one connection. nghttp2 leaves policy to its user; these are ours.
public struct HTTP2Configuration: Sendable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise (nghttp2's default is unlimited).
    public var maxConcurrentStreams: UInt32 = 1000
    /// SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window.
    public var initialStreamWindowSize: UInt32 = 1 << 20
    /// The connection-level receive window.
    public var connectionWindowSize: Int32 = 8 << 20
    /// SETTINGS_MAX_FRAME_SIZE we accept.
    public var maxFrameSize: UInt32 = 1 << 14
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce (RFC 9113 §6.5.2 counts each field as
    /// name + value + 32 bytes). A larger header block fails its stream.
    public var maxHeaderListSize: UInt32 = 16 << 10
    /// A header list this many times over `maxHeaderListSize` is not decoded further: its stream
    /// is reset (RST_STREAM) at once instead of answered RESOURCE_EXHAUSTED, so an HPACK bomb
    /// cannot make the server validate hundreds of MB of fields.
    public static let headerListHardLimitFactor = 4
    /// Most response bytes one connection may hold for a peer that does not read them (flow
    /// control closed, socket full); answers past it are refused rather than buffered.
    public var maxBufferedOutboundBytes = 64 << 20
    /// Rapid Reset (CVE-2023-44487) defence: the peer may reset this many streams younger than
    /// 100 ms in a burst (older ones are free: a client cancelling calls that timed out)...
    public var streamResetBurst: UInt64 = 1000
    /// ...then this many per second; beyond it the connection ends with GOAWAY.
    public var streamResetRatePerSecond: UInt64 = 33
    /// Sends a PING once nothing has been read from the peer for this long (checked every
    /// interval: the PING goes out between one and two intervals after the last read); nil
    /// disables keepalive.
    public var keepaliveInterval: Duration? = .seconds(30)
    /// Closes the connection when a keepalive PING is not acknowledged within this time; its open
    /// streams end (a client's calls fail UNAVAILABLE, naming the keepalive).
    public var keepaliveTimeout: Duration = .seconds(10)
    /// Whether keepalive PINGs go out while no stream is open. A server's do (they find clients
    /// that vanished); a channel's do not by default, as in gRPC: servers count PINGs from a client
    /// without calls as abuse (`PingPolicy`).
    public var keepaliveWithoutCalls = true
    /// Server: which of the client's PINGs are too many (gRPC's keepalive.md enforcement).
    public var pingPolicy = PingPolicy()
    /// Server: a connection with no open stream for this long is closed gracefully (GOAWAY, then
    /// the close); nil: never.
    public var maxConnectionIdle: Duration?
    /// Server: a connection this old (less up to 10 %, so a fleet's clients do not reconnect at
    /// once) is closed gracefully: GOAWAY, then `maxConnectionAgeGrace` for its calls in flight.
    /// Clients move to a new connection, which re-resolves and rebalances them; nil: never.
    public var maxConnectionAge: Duration?
    /// How long calls in flight may go on after a `maxConnectionAge` GOAWAY.
    public var maxConnectionAgeGrace: Duration = .seconds(30)
    /// How long graceful shutdown waits for in-flight streams before closing anyway.
    public var gracefulShutdownTimeout: Duration = .seconds(10)
    /// Sees every frame the connection sends and receives, DATA payloads included (the debugging
    /// CLI's `--trace`). Called on the connection's event loop; nil costs nothing.
    public var frameObserver: (@Sendable (HTTP2FrameTrace) -> Void)?

    /// The defaults (see each property).
    public init() {}
}
