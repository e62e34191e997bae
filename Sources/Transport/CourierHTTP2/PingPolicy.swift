/// A server's rule for the PINGs a client sends, as gRPC's keepalive.md sets it: a PING sooner
/// than `minInterval` after the previous one (or, with no stream open and `permitWithoutCalls`
/// off, sooner than two hours) is a strike; more than `maxStrikes` strikes end the connection with
/// GOAWAY ENHANCE_YOUR_CALM ("too_many_pings"). Sending HEADERS or DATA starts the count over: a
/// connection in use may be pinged (grpc-go measures bandwidth with a PING per burst of data).
/// A value: fed events and a time, no clock.
public struct PingPolicy: Sendable, Equatable {
    /// The shortest time between a client's PINGs that is not a strike.
    public var minInterval: Duration = .seconds(300)
    /// Whether PINGs on a connection with no open stream are held to `minInterval` (true) or to
    /// two hours (false, gRPC's default: a client has no reason to keep an unused connection warm).
    public var permitWithoutCalls = false
    /// Strikes allowed before the connection ends.
    public var maxStrikes = 2

    private var lastPing: UInt64?
    private var strikes = 0

    /// gRPC's policy: 5 minutes, no PINGs without calls, two strikes.
    public init() {}

    /// A policy that allows PINGs `minInterval` apart, with or without calls.
    public init(minInterval: Duration, permitWithoutCalls: Bool) {
        self.minInterval = minInterval
        self.permitWithoutCalls = permitWithoutCalls
    }

    /// A PING (not an ACK) arrived at `nanoseconds` with `openStreams` streams open; false when
    /// it is one strike too many.
    public mutating func allowPing(at nanoseconds: UInt64, openStreams: Int) -> Bool {
        defer { lastPing = nanoseconds }
        let interval = openStreams == 0 && !permitWithoutCalls ? Duration.seconds(7200) : minInterval
        guard let last = lastPing, nanoseconds &- last < UInt64(max(0, interval.nanoseconds)) else { return true }
        strikes += 1
        return strikes <= maxStrikes
    }

    /// This side sent HEADERS or DATA: strikes and the interval start over.
    public mutating func sentTraffic() {
        strikes = 0
        lastPing = nil
    }
}
