@_spi(Benchmarking) import Courier
import NIOCore

/// The open loop on the connections' own event loops: each loop sends its share of the schedule
/// (calls k, k + n, k + 2n, ... of n loops) as each comes due, from a timer on that loop, over
/// the loop's connections in turn. One timer per loop, not per connection: a wake-up
/// sends every call that has come due, so at high rates wake-ups are shared by many calls. The
/// calls of one wake-up go out together on one connection (up to `burstPerConnection`, then the
/// next): one socket write for them, and one read for the server, where spreading them one per
/// connection cost both ends a write and a read per call (measured at 60,000/s over 8
/// connections: the client's CPU 16-18 µs per call, the server's 19.8, against 3.8 and 8.9 with
/// h2load's rate mode, which sends ~25 calls per write). Over a run every connection still
/// carries an equal share. No Swift task or continuation per call, so one core offers as much
/// load as h2load's rate mode does, and the client is not what an overload test measures. How
/// late each call left (its send lag) is reported, so a client that falls behind says so.
struct EventLoopOpenLoop: Sendable {
    let callers: [EventLoopUnaryCaller]
    let method: MethodDescriptor
    let framedRequest: ByteBuffer
    let options: CallOptions
    let schedule: OpenLoopSchedule
    let end: ContinuousClock.Instant
    /// Most calls in flight over all connections; a call due beyond it is dropped (counted).
    let maxInFlight: Int

    /// The shortest wait between two wake-ups of a loop's sender.
    static let minimumSleep: Duration = .microseconds(250)
    /// Most calls of one wake-up sent on one connection before the next takes over.
    static let burstPerConnection = 16

    /// What the run tells its caller; every closure runs on a connection's event loop.
    struct Events: Sendable {
        /// Whether the call intended at this time is measured; nil stops the run (count reached).
        var claim: @Sendable (ContinuousClock.Instant) -> Bool?
        /// A call was due while `maxInFlight` were in flight: not sent.
        var dropped: @Sendable (_ measured: Bool) -> Void
        /// A call left this long after its intended time.
        var sent: @Sendable (_ lag: Duration, _ measured: Bool) -> Void
        /// A call ended (intended time, measured, outcome).
        var done: @Sendable (ContinuousClock.Instant, Bool, Result<UnaryResponse<ByteBuffer>, any Error>) -> Void
    }

    /// Runs until the schedule reaches `end` or `claim` says stop, then waits for the calls in flight.
    func run(_ events: Events) async {
        var byLoop: [ObjectIdentifier: [EventLoopUnaryCaller]] = [:]
        var loops: [ObjectIdentifier] = []
        for caller in callers {
            let loop = ObjectIdentifier(caller.eventLoop)
            if byLoop[loop] == nil { loops.append(loop) }
            byLoop[loop, default: []].append(caller)
        }
        let share = max(1, maxInFlight / loops.count)
        let stride = loops.count
        let groups = loops.map { byLoop[$0]! }
        await withDiscardingTaskGroup { group in
            for (offset, callers) in groups.enumerated() {
                group.addTask {
                    await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                        callers[0].eventLoop.execute {
                            Driver(load: self, callers: callers, first: offset, stride: stride, maxInFlight: share,
                                   events: events, finished: finished).tick()
                        }
                    }
                }
            }
        }
    }

    /// One loop's share of the schedule; used only on that loop.
    private final class Driver: @unchecked Sendable {
        let load: EventLoopOpenLoop
        let callers: [EventLoopUnaryCaller]
        let stride: Int
        var nextCaller = 0
        /// Calls sent on `callers[nextCaller]` in this wake-up.
        var burst = 0
        let maxInFlight: Int
        let events: Events
        let finished: CheckedContinuation<Void, Never>
        var index: Int
        var inFlight = 0
        var stopped = false
        var resumed = false

        init(load: EventLoopOpenLoop, callers: [EventLoopUnaryCaller], first: Int, stride: Int, maxInFlight: Int, events: Events,
             finished: CheckedContinuation<Void, Never>) {
            self.load = load
            self.callers = callers
            self.stride = stride
            self.index = first
            self.maxInFlight = maxInFlight
            self.events = events
            self.finished = finished
        }

        /// Sends every call that is due, then sleeps until the next one is.
        func tick() {
            let now = ContinuousClock.now
            while !stopped {
                let intended = load.schedule.intendedTime(of: index)
                if intended >= load.end { stopped = true; break }
                if intended > now {
                    // At least `minimumSleep`: a timer and a socket write per call cost the client
                    // more than the calls; a wake-up sends every call that came due meanwhile, each
                    // charged from its own intended time (the delay shows in the send lag).
                    let sleep = max(intended - now, EventLoopOpenLoop.minimumSleep)
                    if burst > 0 { rotate() }
                    callers[0].eventLoop.scheduleTask(in: sleep.timeAmount) { self.tick() }
                    return
                }
                guard let measured = events.claim(intended) else { stopped = true; break }
                index += stride
                if inFlight >= maxInFlight {
                    events.dropped(measured)
                    continue
                }
                inFlight += 1
                events.sent(now - intended, measured)
                let caller = callers[nextCaller]
                burst += 1
                if burst == EventLoopOpenLoop.burstPerConnection { rotate() }
                caller.call(load.method, framedRequest: load.framedRequest, options: load.options) { [self] result in
                    events.done(intended, measured, result)
                    inFlight -= 1
                    finishIfDone()
                }
            }
            finishIfDone()
        }

        /// The next call goes to the next connection.
        private func rotate() {
            nextCaller = nextCaller + 1 == callers.count ? 0 : nextCaller + 1
            burst = 0
        }

        private func finishIfDone() {
            guard stopped, inFlight == 0, !resumed else { return }
            resumed = true
            finished.resume()
        }
    }
}
