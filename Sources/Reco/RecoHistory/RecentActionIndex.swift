import RecoCore
/// The in-memory side of the embedded History store: each user's and each session's actions in
/// timestamp order, and the event ids seen within the retention window (to drop duplicates).
/// Not thread-safe: `LoggedHistoryStore` owns it under a lock.
struct RecentActionIndex {
    private(set) var byUser: [String: [RecordedAction]] = [:]
    private(set) var bySession: [String: [RecordedAction]] = [:]
    private var seenEventIds: [String: Int64] = [:]
    /// Most actions kept per user or session; the oldest go first beyond it.
    let capacityPerKey: Int
    /// Actions pushed out of a user's list by the cap since the index was made: no longer returned
    /// for that user, and left out of the log at its next compaction.
    private(set) var droppedOverCapacity = 0

    init(capacityPerKey: Int) {
        self.capacityPerKey = capacityPerKey
    }

    var count: Int { seenEventIds.count }

    /// Inserts an action unless it is a duplicate or already expired at `cutoffMs`.
    mutating func insert(_ action: RecordedAction, cutoffMs: Int64) -> AppendOutcome {
        if action.timestampMs < cutoffMs { return .expired }
        if seenEventIds[action.eventId] != nil { return .duplicate }
        seenEventIds[action.eventId] = action.timestampMs
        droppedOverCapacity += Self.insert(action, into: &byUser[action.userId, default: []], capacity: capacityPerKey)
        Self.insert(action, into: &bySession[action.sessionId, default: []], capacity: capacityPerKey)
        return .stored
    }

    /// Forgets everything older than `cutoffMs` (the TTL).
    mutating func expire(before cutoffMs: Int64) {
        Self.expire(&byUser, before: cutoffMs)
        Self.expire(&bySession, before: cutoffMs)
        seenEventIds = seenEventIds.filter { $0.value >= cutoffMs }
    }

    /// Every live action, oldest first per user: what compaction writes back.
    var liveActions: [RecordedAction] {
        byUser.values.flatMap { $0 }.sorted { $0.timestampMs < $1.timestampMs }
    }

    // Actions mostly arrive in time order; a late one is placed by binary search. Returns how many
    // of the oldest the cap pushed out.
    @discardableResult
    private static func insert(_ action: RecordedAction, into list: inout [RecordedAction], capacity: Int) -> Int {
        if let last = list.last, last.timestampMs > action.timestampMs {
            var low = 0, high = list.count
            while low < high {
                let mid = (low + high) / 2
                if list[mid].timestampMs <= action.timestampMs { low = mid + 1 } else { high = mid }
            }
            list.insert(action, at: low)
        } else {
            list.append(action)
        }
        guard list.count > capacity else { return 0 }
        let excess = list.count - capacity
        list.removeFirst(excess)
        return excess
    }

    private static func expire(_ lists: inout [String: [RecordedAction]], before cutoffMs: Int64) {
        for key in Array(lists.keys) {
            guard let list = lists[key], let first = list.first, first.timestampMs < cutoffMs else { continue }
            let keep = list.drop { $0.timestampMs < cutoffMs }
            lists[key] = keep.isEmpty ? nil : Array(keep)
        }
    }
}
