/// How many PING, SETTINGS and (for young streams) RST_STREAM frames a peer may send: each its
/// own token bucket (a burst, then a steady rate). PING and SETTINGS make the receiver answer
/// (PING ACK, SETTINGS ACK) however fast they come, so a flood of them costs the server CPU and,
/// if the peer does not read, memory; gRPC's keepalive policy ends such a connection with GOAWAY
/// ENHANCE_YOUR_CALM, and so does Courier.
/// As in gRPC's policy, traffic this side sends (HEADERS, DATA) refills the PING bucket: a
/// client measuring bandwidth with a PING per burst of data (grpc-go's BDP estimator) is doing
/// real work, not flooding. A value: fed events and a time, no clock.
public struct ControlFrameLimit: Sendable, Equatable {
    /// Frames allowed at once, and per second after that.
    public var pingBurst: Double = 100
    /// PINGs allowed per second after the burst.
    public var pingsPerSecond: Double = 10
    /// SETTINGS frames allowed at once.
    public var settingsBurst: Double = 100
    /// SETTINGS frames allowed per second after the burst.
    public var settingsPerSecond: Double = 10
    /// Rapid Reset (CVE-2023-44487): streams opened and reset at once, to make the server start
    /// work past its concurrency limit. Resets of streams younger than `youngStreamNanoseconds`
    /// are allowed this burst, then this rate; see `allowReset`.
    public var resetBurst: Double
    /// Resets of young streams allowed per second after the burst.
    public var resetsPerSecond: Double
    /// A stream younger than this (nanoseconds) whose reset counts as Rapid Reset.
    public var youngStreamNanoseconds: UInt64 = 100_000_000

    private var pingTokens: Double
    private var settingsTokens: Double
    private var resetTokens: Double
    private var lastRefill: UInt64?

    /// Full buckets; the stream-reset allowance as given (HTTP2Configuration's Rapid Reset settings).
    public init(resetBurst: Double = 1000, resetsPerSecond: Double = 33) {
        self.resetBurst = resetBurst
        self.resetsPerSecond = resetsPerSecond
        pingTokens = pingBurst
        settingsTokens = settingsBurst
        resetTokens = resetBurst
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

    /// The peer reset (RST_STREAM) a stream it opened `age` nanoseconds before `nanoseconds`;
    /// false when it is one too many. Only young streams count: a client whose calls all reach
    /// their deadline together (after a stall) cancels thousands of streams in a burst, and that
    /// is a client doing what gRPC asks, not an attack. An attacker who waits before resetting is
    /// held to the concurrent-stream limit like any other client.
    public mutating func allowReset(ofStreamAged age: UInt64, at nanoseconds: UInt64) -> Bool {
        guard age < youngStreamNanoseconds else { return true }
        refill(at: nanoseconds)
        guard resetTokens >= 1 else { return false }
        resetTokens -= 1
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
        resetTokens = min(resetBurst, resetTokens + seconds * resetsPerSecond)
    }
}
