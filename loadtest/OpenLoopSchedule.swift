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
