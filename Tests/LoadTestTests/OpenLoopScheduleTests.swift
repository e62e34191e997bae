@testable import loadtest
import Testing

@Suite("Open-loop schedule")
struct OpenLoopScheduleTests {
    @Test("request i is due at start + i / rate, whatever came before")
    func intendedTimes() {
        let start = ContinuousClock.now
        let schedule = OpenLoopSchedule(start: start, ratePerSecond: 2000)
        #expect(schedule.intendedTime(of: 0) == start)
        #expect(schedule.intendedTime(of: 1) == start + .microseconds(500))
        #expect(schedule.intendedTime(of: 2000) == start + .seconds(1))
        #expect(schedule.intendedTime(of: 3) == start + .microseconds(1500))
    }

    @Test("due counts every request whose time has come, so a late sender catches up")
    func due() {
        let start = ContinuousClock.now
        let schedule = OpenLoopSchedule(start: start, ratePerSecond: 1000)
        #expect(schedule.due(by: start - .milliseconds(1)) == 0)
        #expect(schedule.due(by: start) == 1)
        #expect(schedule.due(by: start + .microseconds(999)) == 1)
        #expect(schedule.due(by: start + .milliseconds(1)) == 2)
        // A sender that stalled for 250 ms owes 250 more requests, each measured from its own time.
        #expect(schedule.due(by: start + .milliseconds(250)) == 251)
        for index in 0..<300 {
            #expect(schedule.due(by: schedule.intendedTime(of: index)) == index + 1)
        }
    }

    @Test("fractional rates")
    func fractional() {
        let start = ContinuousClock.now
        let schedule = OpenLoopSchedule(start: start, ratePerSecond: 0.5)
        #expect(schedule.intendedTime(of: 1) == start + .seconds(2))
        #expect(schedule.due(by: start + .milliseconds(1999)) == 1)
        #expect(schedule.due(by: start + .seconds(2)) == 2)
    }

    @Test("run sends every request due before the end, catching up after starting late, and stops on request")
    func runCatchesUp() async {
        // Started 50 ms ago: the first 50 requests are already late and go out at once.
        let start = ContinuousClock.now - .milliseconds(50)
        let schedule = OpenLoopSchedule(start: start, ratePerSecond: 1000)
        var launched: [(Int, ContinuousClock.Instant)] = []
        await schedule.run(until: start + .milliseconds(100)) { index, intended in
            launched.append((index, intended))
            return true
        }
        #expect(launched.map(\.0) == Array(0..<100))
        #expect(launched.allSatisfy { $0.1 == schedule.intendedTime(of: $0.0) })
        #expect(ContinuousClock.now >= start + .milliseconds(99))

        var count = 0
        await schedule.run(until: start + .seconds(10)) { _, _ in
            count += 1
            return count < 5
        }
        #expect(count == 5)
    }
}
