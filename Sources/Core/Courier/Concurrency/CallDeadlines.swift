import NIOCore

/// A call a deadline can end: a client or server stream handler.
protocol DeadlineExpiring: AnyObject {
    /// The deadline passed before the call ended.
    func deadlineExpired()
}

/// The deadlines of the calls on one event loop, with one timer per millisecond that has any
/// instead of one timer per call. Scheduling and cancelling a NIO task for every call was the
/// largest single cost of a short call on both sides; here a call costs a dictionary entry and
/// an array append, and most calls just remove their entry when they end. A deadline fires at
/// most one millisecond late. Confined to its event loop (reach it through `NIOLoopBound`).
final class CallDeadlines {
    private let eventLoop: any EventLoop
    // @exclusivity(unchecked) on these stored properties: the wheel is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    /// Calls still waiting, by registration id.
    @exclusivity(unchecked) private var calls: [UInt64: any DeadlineExpiring] = [:]
    /// Registration ids by the millisecond (of uptime) their deadline falls in, rounded up.
    @exclusivity(unchecked) private var buckets: [UInt64: [UInt64]] = [:]
    @exclusivity(unchecked) private var nextId: UInt64 = 1

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Registers `call` to expire at `deadline`; returns the id to `remove` it with when it ends first.
    func add(_ call: any DeadlineExpiring, deadline: NIODeadline) -> UInt64 {
        let id = nextId
        nextId &+= 1
        calls[id] = call
        let millisecond = (deadline.uptimeNanoseconds / 1_000_000) + 1
        if buckets[millisecond] != nil {
            buckets[millisecond]!.append(id)
        } else {
            buckets[millisecond] = [id]
            eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(millisecond * 1_000_000)) { [self] in
                expire(millisecond)
            }
        }
        return id
    }

    /// The call ended: its deadline no longer applies.
    func remove(_ id: UInt64) {
        calls.removeValue(forKey: id)
    }

    private func expire(_ millisecond: UInt64) {
        guard let ids = buckets.removeValue(forKey: millisecond) else { return }
        for id in ids {
            if let call = calls.removeValue(forKey: id) { call.deadlineExpired() }
        }
    }
}
