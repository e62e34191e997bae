@testable import Courier
import NIOCore
import NIOEmbedded
import Testing

/// The deadline wheel on a virtual clock: calls expire in their millisecond, never before it,
/// and a call that ended (or a stale id) expires nothing.
@Suite("Call deadlines")
struct CallDeadlinesTests {
    final class Call: DeadlineExpiring {
        let name: String
        let log: Log
        init(_ name: String, _ log: Log) { self.name = name; self.log = log }
        func deadlineExpired() { log.expired.append((name, log.loop.now.uptimeNanoseconds)) }
    }

    final class Log {
        let loop: EmbeddedEventLoop
        var expired: [(String, UInt64)] = []
        init(_ loop: EmbeddedEventLoop) { self.loop = loop }
        var names: [String] { expired.map(\.0) }
    }

    static func milliseconds(_ count: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(count) * 1_000_000) }

    @Test("each call expires within a millisecond after its deadline, in order; ended calls do not")
    func expiresInOrder() {
        let loop = EmbeddedEventLoop()
        let log = Log(loop)
        let deadlines = CallDeadlines(eventLoop: loop)
        let late = Call("late", log), early = Call("early", log), ended = Call("ended", log)
        _ = deadlines.add(late, deadline: Self.milliseconds(30) + .microseconds(500))
        let endedId = deadlines.add(ended, deadline: Self.milliseconds(20))
        // Added after a later one: the timer must move earlier for it.
        _ = deadlines.add(early, deadline: Self.milliseconds(10) + .microseconds(200))
        deadlines.remove(endedId)

        loop.advanceTime(to: Self.milliseconds(10))
        #expect(log.names.isEmpty, "nothing expires before its deadline")
        loop.advanceTime(to: Self.milliseconds(11))
        #expect(log.names == ["early"])
        loop.advanceTime(to: Self.milliseconds(30) + .microseconds(400))
        #expect(log.names == ["early"], "the ended call's millisecond passes without firing it")
        loop.advanceTime(to: Self.milliseconds(40))
        #expect(log.names == ["early", "late"])
        for (_, firedAt) in log.expired.dropFirst() {
            #expect(firedAt <= Self.milliseconds(32).uptimeNanoseconds, "at most one millisecond late")
        }
    }

    @Test("a clock that jumps past many milliseconds expires all of them at once")
    func catchesUp() {
        let loop = EmbeddedEventLoop()
        let log = Log(loop)
        let deadlines = CallDeadlines(eventLoop: loop)
        for millisecond in 1...50 {
            _ = deadlines.add(Call("\(millisecond)", log), deadline: Self.milliseconds(Int64(millisecond)))
        }
        loop.advanceTime(to: Self.milliseconds(100))
        #expect(log.names == (1...50).map(String.init))
    }

    @Test("an id from a slot's earlier use removes nothing after the slot is reused")
    func staleIdsAreHarmless() {
        let loop = EmbeddedEventLoop()
        let log = Log(loop)
        let deadlines = CallDeadlines(eventLoop: loop)
        let first = deadlines.add(Call("first", log), deadline: Self.milliseconds(5))
        deadlines.remove(first)
        let second = deadlines.add(Call("second", log), deadline: Self.milliseconds(5))
        #expect(second != first, "the reused slot gives a new id")
        deadlines.remove(first)
        loop.advanceTime(to: Self.milliseconds(10))
        #expect(log.names == ["second"])
    }

    @Test("sorted milliseconds: out-of-order inserts come out in order")
    func sortedMilliseconds() {
        var sorted = SortedMilliseconds()
        var inserted: [UInt64] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let value = UInt64.random(in: 0..<5000, using: &generator)
            sorted.insert(value)
            inserted.append(value)
        }
        var out: [UInt64] = []
        while let first = sorted.first { out.append(first); sorted.removeFirst() }
        #expect(out == inserted.sorted())
    }
}
