import NIOCore

/// A call a deadline can end: a client or server stream handler.
protocol DeadlineExpiring: AnyObject {
    /// The deadline passed before the call ended.
    func deadlineExpired()
}

/// The deadlines of the calls on one connection or event loop, with one timer in all instead of
/// one per call. Scheduling and cancelling a NIO task for every call was the largest single cost
/// of a short call on both sides, and one timer per millisecond that had a deadline still cost a
/// task, a promise and an array for most calls of an open-loop client (each connection sees a
/// few calls per millisecond). Here a call costs a slot in a table and an id in its
/// millisecond's bucket; most calls just empty their slot when they end, and the one timer waits
/// for the earliest millisecond that has any. A deadline fires at most one millisecond late.
/// Confined to its event loop (reach it through `NIOLoopBound`).
final class CallDeadlines {
    private let eventLoop: any EventLoop
    // @exclusivity(unchecked) on these stored properties: the wheel is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    /// Calls still waiting, by slot; a registration id is the slot's index and its generation.
    @exclusivity(unchecked) private var slots: [Slot] = []
    @exclusivity(unchecked) private var freeSlots: [Int] = []
    /// Registration ids by the millisecond (of uptime) their deadline falls in, rounded up.
    @exclusivity(unchecked) private var buckets: [UInt64: [UInt64]] = [:]
    /// The milliseconds that have a bucket, earliest first.
    @exclusivity(unchecked) private var pending = SortedMilliseconds()
    /// The millisecond the timer is set for, and the timer.
    @exclusivity(unchecked) private var timer: (millisecond: UInt64, task: Scheduled<Void>)?

    private struct Slot {
        var call: (any DeadlineExpiring)?
        /// Counts the slot's uses, so an id from an earlier use removes nothing.
        var generation: UInt32 = 0
    }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Registers `call` to expire at `deadline`; returns the id to `remove` it with when it ends first.
    func add(_ call: any DeadlineExpiring, deadline: NIODeadline) -> UInt64 {
        let index: Int
        if let free = freeSlots.popLast() {
            index = free
        } else {
            index = slots.count
            slots.append(Slot())
        }
        slots[index].call = call
        let id = UInt64(slots[index].generation) << 32 | UInt64(index)
        let millisecond = (deadline.uptimeNanoseconds / 1_000_000) + 1
        if buckets[millisecond] != nil {
            buckets[millisecond]!.append(id)
        } else {
            // Room for a busy connection's millisecond, so the bucket is not regrown call by call.
            var bucket: [UInt64] = []
            bucket.reserveCapacity(16)
            bucket.append(id)
            buckets[millisecond] = bucket
            pending.insert(millisecond)
            armTimer()
        }
        return id
    }

    /// The call ended: its deadline no longer applies.
    func remove(_ id: UInt64) {
        _ = take(id)
    }

    /// Empties the slot `id` names, if it still holds that registration, and returns its call.
    private func take(_ id: UInt64) -> (any DeadlineExpiring)? {
        let index = Int(truncatingIfNeeded: id & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: id >> 32),
              let call = slots[index].call else { return nil }
        slots[index].call = nil
        slots[index].generation &+= 1
        freeSlots.append(index)
        return call
    }

    /// Sets the timer for the earliest pending millisecond, unless it is already set for it.
    private func armTimer() {
        guard let earliest = pending.first else { return }
        if let timer {
            if timer.millisecond <= earliest { return }
            timer.task.cancel()
        }
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(earliest * 1_000_000)) { [self] in
            timer = nil
            // Every millisecond that has passed, not just this one: a late wake-up catches up.
            expire(through: max(earliest, eventLoop.now.uptimeNanoseconds / 1_000_000))
            armTimer()
        }
        timer = (earliest, task)
    }

    private func expire(through millisecond: UInt64) {
        while let earliest = pending.first, earliest <= millisecond {
            pending.removeFirst()
            for id in buckets.removeValue(forKey: earliest) ?? [] {
                take(id)?.deadlineExpired()
            }
        }
    }
}

/// Milliseconds in ascending order, for deadlines that mostly arrive in order (each call's
/// deadline is its start plus a timeout): an insert is usually an append, and the earliest is
/// removed by moving a start index, so neither shifts the array.
struct SortedMilliseconds {
    private var values: [UInt64] = []
    private var start = 0

    var first: UInt64? { start < values.count ? values[start] : nil }

    mutating func insert(_ value: UInt64) {
        if values.last.map({ $0 <= value }) ?? true {
            values.append(value)
            return
        }
        var low = start, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] <= value { low = middle + 1 } else { high = middle }
        }
        values.insert(value, at: low)
    }

    mutating func removeFirst() {
        start += 1
        if start == values.count {
            values.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 1024 && start * 2 >= values.count {
            values.removeFirst(start)
            start = 0
        }
    }
}
