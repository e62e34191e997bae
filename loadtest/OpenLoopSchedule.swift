/// When each request of an open-loop run is meant to be sent: request i at start + i / rate,
/// whatever happened to the requests before it. Latency is measured from this intended time, so
/// a server that stalls is charged for every request that should have gone out meanwhile
/// (no coordinated omission).
struct OpenLoopSchedule: Sendable {
    let start: ContinuousClock.Instant
    let ratePerSecond: Double

    init(start: ContinuousClock.Instant, ratePerSecond: Double) {
        precondition(ratePerSecond > 0, "rate must be positive")
        self.start = start
        self.ratePerSecond = ratePerSecond
    }

    func intendedTime(of index: Int) -> ContinuousClock.Instant {
        start + .nanoseconds(Int64((Double(index) * 1e9 / ratePerSecond).rounded()))
    }

    /// Requests due by `now` (indexes below the returned one).
    func due(by now: ContinuousClock.Instant) -> Int {
        guard now >= start else { return 0 }
        let elapsed = now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Int((seconds * ratePerSecond).rounded(.down)) + 1
    }
}

extension OpenLoopSchedule {
    /// Calls `launch(index, intendedTime)` for every request whose intended time falls before
    /// `end`, each as soon as it is due: a loop that wakes late catches up (sends everything that
    /// came due meanwhile, each still charged from its own time). `launch` returns false to stop.
    func run(until end: ContinuousClock.Instant, _ launch: (Int, ContinuousClock.Instant) -> Bool) async {
        var index = 0
        while true {
            let intended = intendedTime(of: index)
            if intended >= end { return }
            if intended > .now {
                try? await Task.sleep(until: intended, tolerance: .microseconds(100))
                continue
            }
            guard launch(index, intended) else { return }
            index += 1
        }
    }
}
