import NIOCore

/// How long a channel waits before dialling an address again after a connection attempt failed:
/// gRPC's connection-backoff.md (INITIAL_BACKOFF 1 s, MULTIPLIER 1.6, JITTER 0.2, MAX_BACKOFF
/// 120 s). Without it every call re-dials a dead address and pays for the attempt itself.
public struct ConnectionBackoff: Sendable, Equatable {
    /// The wait after the first failure.
    public var initial: Duration = .seconds(1)
    /// Each further failure multiplies the wait by this.
    public var multiplier = 1.6
    /// Each wait is randomised by up to this share either way, so clients that failed together
    /// do not come back together.
    public var jitter = 0.2
    /// The wait grows no further than this.
    public var maximum: Duration = .seconds(120)

    /// gRPC's defaults (connection-backoff.md): 1 s initial, x1.6, 120 s maximum, 20 % jitter.
    public init() {}

    /// The waits of successive failures, before jitter: 1 s, 1.6 s, 2.56 s, ... up to `maximum`.
    public func unjittered(afterFailures failures: Int) -> Duration {
        var wait = Double(initial.nanoseconds)
        for _ in 1..<max(failures, 1) {
            wait = min(wait * multiplier, Double(maximum.nanoseconds))
        }
        return .nanoseconds(Int64(min(wait, Double(maximum.nanoseconds))))
    }

    /// The wait after the `failures`-th failure in a row, jittered.
    public func wait<Random: RandomNumberGenerator>(afterFailures failures: Int, using random: inout Random) -> Duration {
        let base = Double(unjittered(afterFailures: failures).nanoseconds)
        let factor = jitter > 0 ? Double.random(in: (1 - jitter)...(1 + jitter), using: &random) : 1
        return .nanoseconds(Int64(base * factor))
    }
}
