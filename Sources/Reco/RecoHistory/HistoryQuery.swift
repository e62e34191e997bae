import RecoCore
/// What a History read asks for: actions at or after `sinceMs`, newest first, and how many of each
/// target kind. A store stops reading once both counts are met, so a read costs what it returns,
/// not the user's whole window.
public struct HistoryQuery: Sendable, Equatable {
    /// Oldest timestamp wanted, milliseconds since the Unix epoch.
    public var sinceMs: Int64
    /// Most keyword searches returned: nil for none, 0 for all.
    public var keywords: Int?
    /// Most shop actions returned: nil for none, 0 for all.
    public var shops: Int?

    public init(sinceMs: Int64, keywords: Int?, shops: Int?) {
        self.sinceMs = sinceMs
        self.keywords = keywords
        self.shops = shops
    }

    /// Every action since `sinceMs`.
    public static func all(sinceMs: Int64) -> HistoryQuery { HistoryQuery(sinceMs: sinceMs, keywords: 0, shops: 0) }

    /// Newest first from `actions` (oldest first, as stores keep them), stopping at `sinceMs` or
    /// once both counts are met: the one way every store answers a query.
    func newest<Actions: BidirectionalCollection<RecordedAction>>(of actions: Actions) -> [RecordedAction] {
        var result: [RecordedAction] = []
        var keywordsLeft = keywords.map { $0 == 0 ? Int.max : $0 } ?? 0
        var shopsLeft = shops.map { $0 == 0 ? Int.max : $0 } ?? 0
        for action in actions.reversed() {
            if action.timestampMs < sinceMs || (keywordsLeft == 0 && shopsLeft == 0) { break }
            switch action.target {
            case .keyword where keywordsLeft > 0:
                keywordsLeft -= 1
                result.append(action)
            case .shop where shopsLeft > 0:
                shopsLeft -= 1
                result.append(action)
            default:
                continue
            }
        }
        return result
    }
}
