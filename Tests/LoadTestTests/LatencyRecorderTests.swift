import CourierTooling
import Courier
@testable import loadtest
import Testing

@Suite("Latency bookkeeping")
struct LatencyRecorderTests {
    @Test("percentiles of known latencies, within HdrHistogram's 3 significant digits")
    func percentiles() {
        let start = ContinuousClock.now
        let recorder = LatencyRecorder(start: start)
        // 1 ms ... 1000 ms, one each.
        for millis in 1...1000 { recorder.record(.milliseconds(millis), at: start + .milliseconds(millis)) }
        let summary = LatencyPercentiles(recorder.snapshot.histogram)
        #expect(abs(summary.p50 - 500) <= 0.5)
        #expect(abs(summary.p90 - 900) <= 1)
        #expect(abs(summary.p99 - 990) <= 1)
        #expect(abs(summary.p99_9 - 999) <= 1)
        #expect(abs(summary.max - 1000) <= 1)
        #expect(abs(summary.mean - 500.5) <= 0.5)
        #expect(summary.p50 <= summary.p90 && summary.p90 <= summary.p99 && summary.p99 <= summary.p99_9 && summary.p99_9 <= summary.max)
        #expect(recorder.snapshot.histogram.totalCount == 1000)
    }

    @Test("errors are counted by gRPC status, apart from latencies; per-second counts add up")
    func errorsAndTimeline() {
        let start = ContinuousClock.now
        let recorder = LatencyRecorder(start: start)
        recorder.record(.microseconds(250), at: start)
        recorder.record(.microseconds(750), at: start + .milliseconds(400))
        recorder.record(.milliseconds(3), at: start + .milliseconds(1500))
        recorder.recordError(RPCError(code: .deadlineExceeded, message: "late"))
        recorder.recordError(RPCError(code: .deadlineExceeded, message: "late"))
        recorder.recordError(RPCError(code: .unavailable, message: "down"))
        let snapshot = recorder.snapshot
        #expect(snapshot.histogram.totalCount == 3)
        #expect(snapshot.errors == ["DEADLINE_EXCEEDED": 2, "UNAVAILABLE": 1])
        #expect(snapshot.perSecond[0]?.count == 2)
        #expect(snapshot.perSecond[0]?.worstMicros == 750)
        #expect(snapshot.perSecond[1]?.count == 1)
    }

    @Test("durations on the command line")
    func durations() {
        #expect(DurationArgument(argument: "30s")?.duration == .seconds(30))
        #expect(DurationArgument(argument: "250ms")?.duration == .milliseconds(250))
        #expect(DurationArgument(argument: "2m")?.duration == .seconds(120))
        #expect(DurationArgument(argument: "1.5s")?.duration == .milliseconds(1500))
        #expect(DurationArgument(argument: "0")?.timeout == nil)
        #expect(DurationArgument(argument: "0s")?.timeout == nil)
        #expect(DurationArgument(argument: "5s")?.timeout == .seconds(5))
        #expect(DurationArgument(argument: "fast") == nil)
        #expect(DurationArgument(argument: "-1s") == nil)
    }
}
