import CourierTooling
import Courier
import Histogram
import Synchronization

/// Latencies and outcomes of one kind of call: HDR histograms in microseconds (1 µs to 1 hour,
/// 3 significant digits) of the OK calls and of all calls (a failure at its time to failure),
/// errors by gRPC status, and per-second counts for the report.
final class LatencyRecorder: Sendable {
    /// One second of the run: calls that ended in it, how many failed, and the slowest.
    struct Second: Sendable, Equatable {
        var count = 0
        var errors = 0
        var worstMicros: UInt64 = 0
    }

    struct Snapshot: Sendable {
        /// OK calls only.
        var histogram: Histogram<UInt64>
        /// OK and failed calls; a failure counts at the time it took to fail. Failures recorded
        /// without a time (the client never sent them) are only in `errors`.
        var allCalls: Histogram<UInt64>
        var errors: [String: Int]
        var perSecond: [Int: Second]
    }

    private static func emptyHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    private let state = Mutex(Snapshot(histogram: emptyHistogram(), allCalls: emptyHistogram(), errors: [:], perSecond: [:]))
    private let start: ContinuousClock.Instant

    init(start: ContinuousClock.Instant) { self.start = start }

    /// An OK call that took `latency`, intended to start at `instant`.
    func record(_ latency: Duration, at instant: ContinuousClock.Instant) {
        let micros = Self.micros(latency)
        let second = Int((instant - start).components.seconds)
        state.withLock { state in
            _ = state.histogram.record(micros)
            _ = state.allCalls.record(micros)
            Self.count(&state.perSecond[second, default: Second()], micros: micros, failed: false)
        }
    }

    /// A delay that is not a call (a send lag): only `histogram`, the one thing read of it. On
    /// every call's path at 120,000 calls/s, so it skips the other histogram and the seconds.
    func recordDelay(_ delay: Duration) {
        let micros = Self.micros(delay)
        state.withLock { _ = $0.histogram.record(micros) }
    }

    /// A failed call; with `latency`, it also counts in `allCalls` and in its second.
    func recordError(_ error: any Error, after latency: Duration? = nil, at instant: ContinuousClock.Instant? = nil) {
        let code = "\(RPCError(reporting: error).code)"
        state.withLock { state in
            state.errors[code, default: 0] += 1
            guard let latency, let instant else { return }
            let micros = Self.micros(latency)
            _ = state.allCalls.record(micros)
            let second = Int((instant - start).components.seconds)
            Self.count(&state.perSecond[second, default: Second()], micros: micros, failed: true)
        }
    }

    /// One look-up of the second per call (three before: a recorder is on every call's path).
    private static func count(_ second: inout Second, micros: UInt64, failed: Bool) {
        if failed { second.errors += 1 } else { second.count += 1 }
        second.worstMicros = max(second.worstMicros, micros)
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    private static func micros(_ latency: Duration) -> UInt64 {
        let micros = max(1, latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000)
        return min(UInt64(micros), 3_600_000_000)
    }
}
