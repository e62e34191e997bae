import Courier
import CourierHTTP2
import CourierTooling

/// The TLS of the command being run (its --tls flags), for every channel it opens.
enum CLISecurity {
    @TaskLocal static var current: (any ClientConnectionSecurity)?
}

/// The debugger's channels: one connection, a short connect timeout, no keepalive, the
/// command's TLS.
extension ServerAddress {
    /// A channel of one connection; `frameObserver` sees its frames (--trace).
    func channel(frameObserver: (@Sendable (HTTP2FrameTrace) -> Void)? = nil) -> GRPCChannel {
        var configuration = ChannelConfiguration()
        configuration.connectTimeout = .seconds(5)
        configuration.userAgent = "courier-cli/0.1"
        configuration.http2.keepaliveInterval = nil
        configuration.http2.frameObserver = frameObserver
        configuration.security = CLISecurity.current
        return GRPCChannel(host: host, port: port, configuration: configuration)
    }

    /// Runs `body` with a channel that is closed afterwards, whatever happens.
    func withChannel<Result: Sendable>(
        frameObserver: (@Sendable (HTTP2FrameTrace) -> Void)? = nil, _ body: (GRPCChannel) async throws -> Result
    ) async throws -> Result {
        try await channel(frameObserver: frameObserver).closing(after: body)
    }
}
