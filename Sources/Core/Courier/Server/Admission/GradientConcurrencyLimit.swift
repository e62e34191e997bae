/// A concurrency limit that follows measured latency, after Netflix's concurrency-limits
/// (Gradient2) and Envoy's adaptive concurrency filter: while calls take about as long as they
/// usually do, the limit grows (by about its square root per sample, the room a queue may take);
/// when they take longer — work is queueing — it shrinks in proportion, down to half per sample.
/// So the server admits as many calls as it completes without queueing, and refuses the rest at
/// once instead of letting every call grow slow. Latency is judged against the no-queue baseline
/// plus an allowance, so in effect the limit caps how long calls wait behind each other.
/// A value: fed samples, no clock, no threads.
public struct GradientConcurrencyLimit: Sendable, Equatable {
    /// Bounds of the limit.
    public var minimum: Double
    /// The limit never rises above this.
    public var maximum: Double
    /// How far the short-term latency may exceed the long-term one before the limit shrinks...
    public var tolerance: Double
    /// ...and how much queueing delay it may add in any case (nanoseconds). Without it a fast
    /// method (0.5 ms) would be judged overloaded by a 1 ms host hiccup and shed calls at a
    /// fraction of capacity; with it the limit only shrinks once queueing costs callers time.
    public var queueAllowance: Double
    /// Weight of each new limit in the smoothed one.
    public var smoothing: Double
    /// The current limit: calls admitted at once.
    public private(set) var limit: Double
    /// Latency averaged over the last few samples (nanoseconds).
    public private(set) var shortLatency: Double = 0
    /// The latency without queueing: the lowest short-term average seen, drifting up slowly so a
    /// server that became slower for good is re-learned (nanoseconds). A baseline that followed
    /// every sample would follow the queue itself at high rates, and the limit would never shrink.
    public private(set) var baseline: Double = 0
    private var samples = 0
    /// Where the limit starts, and where it returns while latency is acceptable.
    private let initial: Double

    /// A limit starting at `initial`, kept between `minimum` and `maximum`; see the properties for
    /// `tolerance`, `queueAllowance` and `smoothing`.
    public init(initial: Double = 20, minimum: Double = 4, maximum: Double = 1000, tolerance: Double = 2,
                queueAllowance: Duration = .milliseconds(25), smoothing: Double = 0.2) {
        self.limit = initial
        self.initial = initial
        self.queueAllowance = Double(queueAllowance.nanoseconds)
        self.minimum = minimum
        self.maximum = maximum
        self.tolerance = tolerance
        self.smoothing = smoothing
    }

    /// Feeds one completed call's latency (from admission to its end) and how many calls were in
    /// flight when it ended.
    public mutating func record(latencyNanoseconds: Double, inFlight: Int) {
        samples += 1
        if samples == 1 {
            shortLatency = latencyNanoseconds
            baseline = latencyNanoseconds
            return
        }
        shortLatency += (latencyNanoseconds - shortLatency) * 0.1
        baseline = shortLatency < baseline ? shortLatency : baseline + (shortLatency - baseline) * 0.0001
        if shortLatency <= acceptableLatency {
            // Calls are not queueing: grow by about the square root (the room a queue may take),
            // but only towards what is in use: back to the starting limit after a slow spell, past
            // it only while the calls in flight need it (an idle server learns nothing about its
            // capacity from a call).
            let ceiling = min(maximum, max(initial, Double(inFlight) * 2))
            if limit < ceiling { limit = min(ceiling, limit + smoothing * limit.squareRoot()) }
        } else {
            // Queueing past the allowance: shrink in proportion, at most by half per sample.
            let gradient = max(0.5, acceptableLatency / shortLatency)
            limit = max(minimum, limit * (1 - smoothing) + limit * gradient * smoothing)
        }
    }

    /// The latency above which calls are queueing more than allowed.
    public var acceptableLatency: Double { max(tolerance * baseline, baseline + queueAllowance) }
}
