import Synchronization

/// Lets through at most one log line per interval and counts the ones it held back, so a
/// condition that hits every call (a dependency down under load) is visible at warning level
/// without flooding the log: each line says how many like it were suppressed since the last.
public final class LogRateLimiter: Sendable {
    private let intervalNanoseconds: Int64
    private let nextAllowed = Atomic<Int64>(0)
    private let suppressed = Atomic<Int>(0)

    public init(interval: Duration = .seconds(1)) {
        intervalNanoseconds = interval.nanoseconds
    }

    /// Calls `log` with the number of lines suppressed since the last one, or counts this one as
    /// suppressed when the interval has not passed.
    public func attempt(_ log: (_ suppressed: Int) -> Void) {
        let now = Self.nanoseconds()
        let allowedAt = nextAllowed.load(ordering: .relaxed)
        guard now >= allowedAt,
              nextAllowed.compareExchange(expected: allowedAt, desired: now + intervalNanoseconds, ordering: .relaxed).exchanged
        else {
            suppressed.add(1, ordering: .relaxed)
            return
        }
        log(suppressed.exchange(0, ordering: .relaxed))
    }

    /// Nanoseconds since the first use; 0 or more, so the first attempt always logs.
    private static func nanoseconds() -> Int64 {
        max(0, Self.origin.duration(to: .now).nanoseconds)
    }

    private static let origin = ContinuousClock.now
}
