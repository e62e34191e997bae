import Courier
import CourierProtos

extension InteropNetworkCase {
    /// A channel to `target` whose HTTP/2 keepalive pings after `interval` of silence and gives
    /// up after `timeout`.
    static func keepaliveChannel(_ target: ChannelTarget, _ configuration: ChannelConfiguration,
                                 interval: Duration, timeout: Duration) -> GRPCChannel {
        var keepalive = configuration
        keepalive.http2.keepaliveInterval = interval
        keepalive.http2.keepaliveTimeout = timeout
        return GRPCChannel(target: target, configuration: keepalive)
    }

    /// An idle bidirectional call on `channel` until it ends, with `deadline`.
    static func idleCall(on channel: GRPCChannel, deadline: Duration) async throws {
        try await Grpc_Testing_TestService.Client(channel: channel).fullDuplexCall(options: CallOptions(timeout: deadline)) { _, responses in
            for try await _ in responses {}
        }
    }

    /// Far more often than gRPC servers allow (5 minutes), with a call open.
    static func keepaliveTooManyPings(target: ChannelTarget, configuration: ChannelConfiguration) async throws -> String? {
        try await keepaliveChannel(target, configuration, interval: .milliseconds(100), timeout: .seconds(5)).closing { channel in
            do {
                try await idleCall(on: channel, deadline: .seconds(20))
            } catch let error as RPCError where error.code == .unavailable
                && (error.message.contains("ENHANCE_YOUR_CALM") || error.message.lowercased().contains("too many pings")) {
                // Courier and grpc-go end the connection with GOAWAY; gRPC's C core (grpcio) also
                // ends the call with its own status, "Too many pings".
                return error.message
            }
            throw InteropFailure("the call ended OK")
        }
    }

    /// Found dead within interval + timeout (3.3 s; 15 s allowed), long before the 60 s deadline.
    static func keepaliveDeadServer(target: ChannelTarget, configuration: ChannelConfiguration) async throws -> String? {
        try await keepaliveChannel(target, configuration, interval: .milliseconds(300), timeout: .seconds(3)).closing { channel in
            try await InteropTestCase.emptyUnary.run(on: channel)
            print("READY")
            let started = ContinuousClock.now
            do {
                try await idleCall(on: channel, deadline: .seconds(60))
            } catch let error as RPCError where error.code == .unavailable && error.message.contains("keepalive") {
                let elapsed = ContinuousClock.now - started
                try expect(elapsed < .seconds(15), "found only after \(elapsed)")
                return "after \(elapsed): \(error.message)"
            }
            throw InteropFailure("the call ended OK")
        }
    }
}
