import CourierTooling
import Courier
import Histogram
import Synchronization

/// Latencies and outcomes of one kind of call: an HDR histogram in microseconds (1 µs to 1 hour,
/// 3 significant digits), successes, errors by gRPC status, and per-second counts for the report.
final class LatencyRecorder: Sendable {
    struct Snapshot: Sendable {
        var histogram: Histogram<UInt64>
        var errors: [String: Int]
        var perSecond: [Int: (count: Int, worstMicros: UInt64)]
    }

    private let state = Mutex(Snapshot(
        histogram: Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three),
        errors: [:], perSecond: [:]))
    private let start: ContinuousClock.Instant

    init(start: ContinuousClock.Instant) { self.start = start }

    func record(_ latency: Duration, at instant: ContinuousClock.Instant) {
        let micros = UInt64(max(1, latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000))
        let second = Int((instant - start).components.seconds)
        state.withLock { state in
            _ = state.histogram.record(min(micros, 3_600_000_000))
            let current = state.perSecond[second] ?? (0, 0)
            state.perSecond[second] = (current.count + 1, max(current.worstMicros, micros))
        }
    }

    func recordError(_ error: any Error) {
        let code = "\(RPCError(reporting: error).code)"
        state.withLock { $0.errors[code, default: 0] += 1 }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}
