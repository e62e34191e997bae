import Courier
import CourierHTTP2
import CourierTooling

/// The debugger's channels: one connection, a short connect timeout, no keepalive.
extension ServerAddress {
    /// A channel of one connection; `frameObserver` sees its frames (--trace).
    func channel(frameObserver: (@Sendable (HTTP2FrameTrace) -> Void)? = nil) -> GRPCChannel {
        var configuration = ChannelConfiguration()
        configuration.connectTimeout = .seconds(5)
        configuration.userAgent = "courier-cli/0.1"
        configuration.http2.keepaliveInterval = nil
        configuration.http2.frameObserver = frameObserver
        return GRPCChannel(host: host, port: port, configuration: configuration)
    }

    /// Runs `body` with a channel that is closed afterwards, whatever happens.
    func withChannel<Result: Sendable>(
        frameObserver: (@Sendable (HTTP2FrameTrace) -> Void)? = nil, _ body: (GRPCChannel) async throws -> Result
    ) async throws -> Result {
        try await channel(frameObserver: frameObserver).closing(after: body)
    }
}
