/// Which subchannel takes the next call, as a value: given which are available (connectable,
/// healthy, not backing off), the policy's choice; no I/O.
struct SubchannelPicker {
    let policy: LoadBalancingPolicy
    private var next = 0

    init(policy: LoadBalancingPolicy) { self.policy = policy }

    /// The policy's pick among `count` subchannels: the first available one in order
    /// (pick_first), or the next available one in turn (round_robin); when none is available,
    /// the one the policy would have tried anyway (its error then tells why).
    mutating func pick(count: Int, isAvailable: (Int) -> Bool) -> Int {
        guard count > 1 else { return 0 }
        let start = policy == .pickFirst ? 0 : next % count
        var chosen = start
        for offset in 0..<count where isAvailable((start + offset) % count) {
            chosen = (start + offset) % count
            break
        }
        // Skipping an unavailable one does not give the one after it two turns in a row.
        if policy == .roundRobin { next = (chosen + 1) % count }
        return chosen
    }
}
