import CourierTooling
@_spi(Benchmarking) import Courier
import Foundation
import NIOCore
import Synchronization

/// The load of `loadtest rpc`: workers in a closed loop, or an open-loop schedule.
struct RPCLoad: Sendable {
    struct Settings: Sendable {
        var total: Int?
        var duration: Duration?
        var warmup: Duration
        var rate: Double?
        var workers: Int
        /// nil: calls without a deadline.
        var deadline: Duration?
        var maxInFlight: Int
        /// Closed loop: calls in flight on each connection.
        var streams: Int = 1
        /// Closed loop: each call as a Swift task (async/await) instead of chained on the event loops.
        var asyncCalls = false
    }

    struct Result: Sendable {
        var latency: LatencyRecorder.Snapshot
        /// Open loop: how late each measured call left after its intended time.
        var sendLag: LatencyRecorder.Snapshot?
        var sent: Int
        var dropped: Int
        var elapsed: Duration
        var responseBytes: Int
    }

    let channel: GRPCChannel
    let method: MethodDescriptor
    let request: [UInt8]
    let settings: Settings

    func run(progress: Bool) async -> Result {
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(10)
        let measureFrom = start + settings.warmup
        // Stops at the duration if given; the count is checked as calls are claimed.
        let end = settings.duration.map { measureFrom + $0 } ?? measureFrom + .seconds(86_400)
        let recorder = LatencyRecorder(start: measureFrom)
        let counters = RPCCounters()
        let options = CallOptions(timeout: settings.deadline)
        let executor = channel.taskExecutor
        let limit = settings.total ?? Int.max

        /// Claims one measured call; false once the count is reached.
        @Sendable func claim() -> Bool {
            let (_, claimed) = counters.sent.add(1, ordering: .relaxed)
            if claimed > limit { counters.sent.subtract(1, ordering: .relaxed); return false }
            return true
        }

        @Sendable func makeCall(_ intended: ContinuousClock.Instant, _ measured: Bool) async {
            do {
                let response = try await channel.unaryRaw(method, request: request, options: options)
                if measured {
                    recorder.record(clock.now - intended, at: intended)
                    counters.responseBytes.add(response.message.count, ordering: .relaxed)
                }
            } catch {
                if measured { recorder.recordError(error, after: clock.now - intended, at: intended) }
            }
        }

        let reporter = progress ? Task { @Sendable in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let snapshot = recorder.snapshot
                let line = String(format: "\r  %5.1fs  sent %d  ok %d  errors %d  p99 %.3f ms ",
                                  (clock.now - start).seconds, counters.sent.load(ordering: .relaxed), Int(snapshot.histogram.totalCount),
                                  snapshot.errors.values.reduce(0, +), Double(snapshot.histogram.valueAtPercentile(99)) / 1000)
                FileHandle.standardError.write(Data(line.utf8))
            }
        } : nil

        var sendLag: LatencyRecorder?
        if let rate = settings.rate, !settings.asyncCalls, let callers = try? await channel.eventLoopUnaryCallers(),
           let framed = try? channel.frame(encoded: request) {
            let lag = LatencyRecorder(start: measureFrom)
            sendLag = lag
            let load = EventLoopOpenLoop(
                callers: callers, method: method, framedRequest: framed, options: options,
                schedule: OpenLoopSchedule(start: start, ratePerSecond: rate), end: end, maxInFlight: settings.maxInFlight)
            await load.run(.init(
                claim: { intended in
                    let measured = intended >= measureFrom
                    if measured && !claim() { return nil }
                    return measured
                },
                dropped: { measured in if measured { counters.dropped.add(1, ordering: .relaxed) } },
                sent: { delay, measured in if measured { lag.recordDelay(delay) } },
                done: { intended, measured, result in
                    guard measured else { return }
                    switch result {
                    case .success(let response):
                        recorder.record(clock.now - intended, at: intended)
                        counters.responseBytes.add(response.message.readableBytes, ordering: .relaxed)
                    case .failure(let error):
                        recorder.recordError(error, after: clock.now - intended, at: intended)
                    }
                }))
        } else if let rate = settings.rate {
            let schedule = OpenLoopSchedule(start: start, ratePerSecond: rate)
            await withDiscardingTaskGroup { group in
                await schedule.run(until: end) { _, intended in
                    let measured = intended >= measureFrom
                    if measured && !claim() { return false }
                    if counters.inFlight.load(ordering: .relaxed) >= settings.maxInFlight {
                        if measured { counters.dropped.add(1, ordering: .relaxed) }
                        return true
                    }
                    counters.inFlight.add(1, ordering: .relaxed)
                    group.addTask(executorPreference: executor) {
                        await makeCall(intended, measured)
                        counters.inFlight.subtract(1, ordering: .relaxed)
                    }
                    return true
                }
            }
        } else if !settings.asyncCalls, let callers = try? await channel.eventLoopUnaryCallers(), let framed = try? channel.frame(encoded: request) {
            let chains = EventLoopChains(callers: callers, method: method, framedRequest: framed, options: options, streams: settings.streams)
            await chains.run(next: {
                let now = clock.now
                if now >= end { return nil }
                let measured = now >= measureFrom
                if measured && !claim() { return nil }
                return (now, measured)
            }, done: { start, measured, result in
                guard measured else { return }
                switch result {
                case .success(let response):
                    recorder.record(clock.now - start, at: start)
                    counters.responseBytes.add(response.message.readableBytes, ordering: .relaxed)
                case .failure(let error):
                    recorder.recordError(error, after: clock.now - start, at: start)
                }
            })
        } else {
            await withDiscardingTaskGroup { group in
                for _ in 0..<settings.workers {
                    group.addTask(executorPreference: executor) {
                        while true {
                            let now = clock.now
                            if now >= end { return }
                            let measured = now >= measureFrom
                            if measured && !claim() { return }
                            await makeCall(now, measured)
                        }
                    }
                }
            }
        }
        let finished = clock.now
        reporter?.cancel()
        if progress { FileHandle.standardError.write(Data("\n".utf8)) }
        return Result(
            latency: recorder.snapshot, sendLag: sendLag?.snapshot, sent: counters.sent.load(ordering: .relaxed), dropped: counters.dropped.load(ordering: .relaxed),
            elapsed: finished - measureFrom, responseBytes: counters.responseBytes.load(ordering: .relaxed))
    }
}

/// Counters shared by the load's tasks.
final class RPCCounters: Sendable {
    let sent = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    let responseBytes = Atomic<Int>(0)
}
