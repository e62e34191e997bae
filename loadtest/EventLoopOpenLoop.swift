import Courier
import NIOCore

/// The open loop on the connections' own event loops: each connection's loop sends its share of
/// the schedule (calls k, k + n, k + 2n, ... of n connections) as each comes due, from a timer on
/// that loop. No Swift task or continuation per call, so one core offers as much load as h2load's
/// rate mode does, and the client is not what an overload test measures. How late each call left
/// (its send lag) is reported, so a client that falls behind says so.
struct EventLoopOpenLoop: Sendable {
    let callers: [EventLoopUnaryCaller]
    let method: MethodDescriptor
    let framedRequest: ByteBuffer
    let options: CallOptions
    let schedule: OpenLoopSchedule
    let end: ContinuousClock.Instant
    /// Most calls in flight over all connections; a call due beyond it is dropped (counted).
    let maxInFlight: Int

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
        let share = max(1, maxInFlight / callers.count)
        await withDiscardingTaskGroup { group in
            for (offset, caller) in callers.enumerated() {
                group.addTask {
                    await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                        caller.eventLoop.execute {
                            Driver(load: self, caller: caller, first: offset, maxInFlight: share, events: events, finished: finished).tick()
                        }
                    }
                }
            }
        }
    }

    /// One connection's share of the schedule; used only on its event loop.
    private final class Driver: @unchecked Sendable {
        let load: EventLoopOpenLoop
        let caller: EventLoopUnaryCaller
        let maxInFlight: Int
        let events: Events
        let finished: CheckedContinuation<Void, Never>
        var index: Int
        var inFlight = 0
        var stopped = false
        var resumed = false

        init(load: EventLoopOpenLoop, caller: EventLoopUnaryCaller, first: Int, maxInFlight: Int, events: Events,
             finished: CheckedContinuation<Void, Never>) {
            self.load = load
            self.caller = caller
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
                    caller.eventLoop.scheduleTask(in: .nanoseconds(Int64((intended - now).nanoseconds))) { self.tick() }
                    return
                }
                guard let measured = events.claim(intended) else { stopped = true; break }
                index += load.callers.count
                if inFlight >= maxInFlight {
                    events.dropped(measured)
                    continue
                }
                inFlight += 1
                events.sent(now - intended, measured)
                caller.call(load.method, framedRequest: load.framedRequest, options: load.options) { [self] result in
                    events.done(intended, measured, result)
                    inFlight -= 1
                    finishIfDone()
                }
            }
            finishIfDone()
        }

        private func finishIfDone() {
            guard stopped, inFlight == 0, !resumed else { return }
            resumed = true
            finished.resume()
        }
    }
}

extension Duration {
    /// Whole nanoseconds (rounded down).
    var nanoseconds: Int {
        Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
    }
}
