import ArgumentParser
import Courier
import CourierHTTP2

/// HOST:PORT of a server ("[::1]:50051" for IPv6).
struct ServerAddress: ExpressibleByArgument, CustomStringConvertible {
    let host: String
    let port: Int

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    static func parse(_ text: String) throws -> ServerAddress {
        guard let address = ServerAddress(argument: text) else { throw ValidationError("expected HOST:PORT, got \(text)") }
        return address
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

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
        let channel = channel(frameObserver: frameObserver)
        do {
            let result = try await body(channel)
            await channel.close()
            return result
        } catch {
            await channel.close()
            throw error
        }
    }
}
