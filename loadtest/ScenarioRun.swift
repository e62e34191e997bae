import CourierTooling
import Courier
import RecoProtos
import Foundation
import Synchronization

/// One scenario run: the open-loop Recommend load, the Ingest event stream and the freshness
/// probes, all against one channel.
struct ScenarioRun: Sendable {
    struct Settings: Sendable {
        var rate: Double
        var duration: Duration
        var warmup: Duration
        var eventRate: Double
        var limit: Int32
        var deadline: Duration
        var probeInterval: Duration
        var probePoll: Duration
        var probeTimeout: Duration
        var maxInFlight: Int
    }

    struct Result: Sendable {
        var recommend: LatencyRecorder.Snapshot
        /// How late each measured Recommend left after its intended time (the client's own delay).
        var sendLag: LatencyRecorder.Snapshot
        var freshness: LatencyRecorder.Snapshot
        var recommendSent: Int
        var dropped: Int
        var probesStarted: Int
        var probesTimedOut: Int
        /// Failed polling Recommends of the probes, by gRPC status (a probe goes on polling).
        var probePollFailures: [String: Int]
        var probeRecommends: Int
        var ingest: Reco_V1_IngestSummary?
        var ingestError: String?
        /// Actions sent on the Ingest stream: the generator's, warm-up included, and the probes'.
        var eventsSent: Int
        var measured: Duration
    }

    let channel: GRPCChannel
    /// Where the Ingest stream goes (the same channel when History runs beside SearchHome).
    let historyChannel: GRPCChannel
    let settings: Settings
    let actions: ScenarioActions

    /// A run against `channel` (SearchHome, and History unless `historyChannel` names another).
    init(channel: GRPCChannel, historyChannel: GRPCChannel? = nil, settings: Settings, actions: ScenarioActions) {
        self.channel = channel
        self.historyChannel = historyChannel ?? channel
        self.settings = settings
        self.actions = actions
    }

    /// Runs the scenario; `started`, if given, is told when the schedules begin (after the probe
    /// users are found), with the instant measuring starts.
    func run(progress: Bool, started: (@Sendable (ContinuousClock.Instant) -> Void)? = nil) async throws -> Result {
        let clock = ContinuousClock()
        let searchHome = Reco_V1_SearchHomeService.Client(channel: channel)
        // Probe users first, before the run's clock starts: no probe spends its measured time
        // looking for a user, and the schedules do not start late.
        let probeRate = 1 / settings.probeInterval.seconds
        let probeUsers = try await FreshnessProbe.findUsers(
            count: Int(((settings.warmup + settings.duration).seconds * probeRate).rounded(.up)) + 1, runId: actions.runId,
            searchHome: searchHome, deadline: settings.probeTimeout)
        let start = clock.now + .milliseconds(20)
        let measureFrom = start + settings.warmup
        started?(measureFrom)
        let end = measureFrom + settings.duration
        let recommendLatency = LatencyRecorder(start: measureFrom)
        let sendLag = LatencyRecorder(start: measureFrom)
        let freshness = LatencyRecorder(start: measureFrom)
        let counters = Counters()
        let history = Reco_V1_HistoryService.Client(channel: historyChannel)
        let feed = IngestFeed()
        let executor = channel.taskExecutor

        // The event stream: one Ingest call for the whole run, fed by the generator and the probes.
        let ingest = Task(executorPreference: executor) { () -> Swift.Result<Reco_V1_IngestSummary, any Error> in
            do {
                return .success(try await history.ingest { writer in
                    for await action in feed.actions { try await writer.write(action) }
                    writer.finish()
                })
            } catch {
                return .failure(error)
            }
        }

        let generator = Task(executorPreference: executor) {
            guard settings.eventRate > 0 else { return }
            var random = SystemRandomNumberGenerator()
            await OpenLoopSchedule(start: start, ratePerSecond: settings.eventRate).run(until: end) { sequence, _ in
                feed.send(actions.random(sequence: sequence, using: &random))
                return true
            }
        }

        // Probes on their own open-loop schedule, each with a user found before the run.
        let probeSchedule = OpenLoopSchedule(start: start, ratePerSecond: probeRate)
        let probes = Task(executorPreference: executor) {
            await withDiscardingTaskGroup { group in
                await probeSchedule.run(until: end) { number, intended in
                    guard number < probeUsers.count else { return false }
                    let probe = FreshnessProbe(
                        number: number, runId: actions.runId, userId: probeUsers[number], searchHome: searchHome, feed: feed,
                        settings: settings, location: actions.location(ofUser: number))
                    let measured = intended >= measureFrom
                    group.addTask(executorPreference: executor) {
                        let outcome = await probe.run(intended: intended)
                        counters.probeRecommends.add(outcome.recommends, ordering: .relaxed)
                        guard measured else { return }
                        counters.probesStarted.add(1, ordering: .relaxed)
                        for error in outcome.failedPolls { counters.recordPollFailure(error) }
                        switch outcome.result {
                        case .reflected(let intended, let latency):
                            freshness.record(latency, at: intended)
                        case .timedOut(let intended):
                            // Counted at the timeout, a lower bound of its freshness, so it weighs on the percentiles.
                            freshness.record(settings.probeTimeout, at: intended)
                            counters.probesTimedOut.add(1, ordering: .relaxed)
                        }
                    }
                    return true
                }
            }
        }

        let reporter = progress ? Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let snapshot = recommendLatency.snapshot
                let elapsed = clock.now - start
                let line = String(format: "\r  %5.1fs  recommend sent %d  ok %d  errors %d  p99 %.2f ms  probes %d ",
                                  elapsed.seconds, counters.recommendSent.load(ordering: .relaxed), Int(snapshot.histogram.totalCount),
                                  snapshot.errors.values.reduce(0, +), Double(snapshot.histogram.valueAtPercentile(99)) / 1000,
                                  counters.probesStarted.load(ordering: .relaxed))
                FileHandle.standardError.write(Data(line.utf8))
            }
        } : nil

        // The Recommend load: every call launched at its intended time, measured from it. The
        // schedule sleeps and wakes on the channel's event loop, like every other task of the run:
        // on the global pool it was a second thread on the client's one core, and the two took
        // turns by the scheduler's time slice — calls left in bursts, which queued on the server.
        let schedule = OpenLoopSchedule(start: start, ratePerSecond: settings.rate)
        let options = CallOptions(timeout: settings.deadline)
        let limit = settings.limit
        let userCount = actions.knownUsers.isEmpty ? actions.users : actions.knownUsers.count
        await withTaskExecutorPreference(executor) {
            await withDiscardingTaskGroup { group in
                await schedule.run(until: end) { _, intended in
                    let measured = intended >= measureFrom
                    if counters.inFlight.load(ordering: .relaxed) >= settings.maxInFlight {
                        if measured { counters.dropped.add(1, ordering: .relaxed) }
                        return true
                    }
                    if measured { counters.recommendSent.add(1, ordering: .relaxed) }
                    var request = Reco_V1_RecommendRequest()
                    let user = Int.random(in: 0..<userCount)
                    request.userId = actions.userId(user)
                    request.location = actions.location(ofUser: user)
                    request.sessionId = "\(actions.runId)-session"
                    request.limit = limit
                    counters.inFlight.add(1, ordering: .relaxed)
                    let call = request
                    group.addTask(executorPreference: executor) { @Sendable in
                        if measured { sendLag.recordDelay(clock.now - intended) }
                        do {
                            _ = try await searchHome.recommend(call, options: options)
                            if measured { recommendLatency.record(clock.now - intended, at: intended) }
                        } catch {
                            if measured { recommendLatency.recordError(error, after: clock.now - intended, at: intended) }
                        }
                        counters.inFlight.subtract(1, ordering: .relaxed)
                    }
                    return true
                }
            }
        }

        _ = await generator.value
        _ = await probes.value
        feed.finish()
        let ingestResult = await ingest.value
        reporter?.cancel()
        if progress { FileHandle.standardError.write(Data("\n".utf8)) }

        var result = Result(
            recommend: recommendLatency.snapshot, sendLag: sendLag.snapshot, freshness: freshness.snapshot,
            recommendSent: counters.recommendSent.load(ordering: .relaxed), dropped: counters.dropped.load(ordering: .relaxed),
            probesStarted: counters.probesStarted.load(ordering: .relaxed), probesTimedOut: counters.probesTimedOut.load(ordering: .relaxed),
            probePollFailures: counters.pollFailures.withLock { $0 }, probeRecommends: counters.probeRecommends.load(ordering: .relaxed),
            ingest: nil, ingestError: nil, eventsSent: feed.sent, measured: settings.duration)
        switch ingestResult {
        case .success(let summary): result.ingest = summary
        case .failure(let error): result.ingestError = "\(RPCError(reporting: error))"
        }
        return result
    }
}

/// Counters shared by the run's tasks.
final class Counters: Sendable {
    let recommendSent = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    let probesStarted = Atomic<Int>(0)
    let probesTimedOut = Atomic<Int>(0)
    let probeRecommends = Atomic<Int>(0)
    /// Failed polling Recommends of the probes, by gRPC status.
    let pollFailures = Mutex<[String: Int]>([:])

    func recordPollFailure(_ error: any Error) {
        let code = "\(RPCError(reporting: error).code)"
        pollFailures.withLock { $0[code, default: 0] += 1 }
    }
}
