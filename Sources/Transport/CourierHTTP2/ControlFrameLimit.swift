/// How many PING and SETTINGS frames a peer may send: each its own token bucket (a burst, then a
/// steady rate). Both frames make the receiver answer (PING ACK, SETTINGS ACK) however fast they
/// come, so a flood of them costs the server CPU and, if the peer does not read, memory; gRPC's
/// keepalive policy ends such a connection with GOAWAY ENHANCE_YOUR_CALM, and so does Courier.
/// As in gRPC's policy, traffic this side sends (HEADERS, DATA) refills the PING bucket: a
/// client measuring bandwidth with a PING per burst of data (grpc-go's BDP estimator) is doing
/// real work, not flooding. A value: fed events and a time, no clock.
public struct ControlFrameLimit: Sendable, Equatable {
    /// Frames allowed at once, and per second after that.
    public var pingBurst: Double = 100
    public var pingsPerSecond: Double = 10
    public var settingsBurst: Double = 100
    public var settingsPerSecond: Double = 10

    private var pingTokens: Double
    private var settingsTokens: Double
    private var lastRefill: UInt64?

    public init() {
        pingTokens = pingBurst
        settingsTokens = settingsBurst
    }

    /// A PING (not an ACK) arrived at `nanoseconds`; false when it is one too many.
    public mutating func allowPing(at nanoseconds: UInt64) -> Bool {
        refill(at: nanoseconds)
        guard pingTokens >= 1 else { return false }
        pingTokens -= 1
        return true
    }

    /// A SETTINGS frame (not an ACK) arrived at `nanoseconds`; false when it is one too many.
    public mutating func allowSettings(at nanoseconds: UInt64) -> Bool {
        refill(at: nanoseconds)
        guard settingsTokens >= 1 else { return false }
        settingsTokens -= 1
        return true
    }

    /// This side sent HEADERS or DATA: the connection is in use.
    public mutating func sentTraffic() {
        pingTokens = pingBurst
    }

    private mutating func refill(at nanoseconds: UInt64) {
        defer { lastRefill = nanoseconds }
        guard let last = lastRefill, nanoseconds > last else { return }
        let seconds = Double(nanoseconds - last) / 1e9
        pingTokens = min(pingBurst, pingTokens + seconds * pingsPerSecond)
        settingsTokens = min(settingsBurst, settingsTokens + seconds * settingsPerSecond)
    }
}
