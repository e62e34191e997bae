import RecoCore
import RecoProtos
import Foundation

/// Turns a user's recent activity into weighted history items for scoring: each entry's kind
/// weight, halved every `halfLife` of age, boosted when it belongs to the current session;
/// repeats of the same shop or keyword add up; the heaviest `maxItems` are kept.
public struct HistoryWeighting: Sendable {
    public var halfLifeMs: Double = 15 * 60 * 1000
    public var sessionBoost: Float = 1.5
    public var maxItems = 20

    public init() {}

    public func items(from activity: Reco_V1_SessionActivity, sessionId: String, nowMs: Int64) -> [Reco_V1_HistoryItem] {
        var byTarget: [RecordedAction.Target: Reco_V1_HistoryItem] = [:]
        func add(_ target: RecordedAction.Target, kind: Reco_V1_ActionKind, weight: Float, timestampMs: Int64, session: String) {
            let age = Double(max(0, nowMs - timestampMs))
            var effective = weight * Float(exp2(-age / halfLifeMs))
            if !sessionId.isEmpty && session == sessionId { effective *= sessionBoost }
            if var existing = byTarget[target] {
                existing.weight += effective
                if timestampMs > existing.timestampMs { existing.timestampMs = timestampMs; existing.kind = kind }
                byTarget[target] = existing
            } else {
                var item = Reco_V1_HistoryItem()
                switch target {
                case .shop(let id): item.target = .shopId(id)
                case .keyword(let keyword): item.target = .keyword(keyword)
                }
                item.weight = effective
                item.kind = kind
                item.timestampMs = timestampMs
                byTarget[target] = item
            }
        }
        for entry in activity.keywords {
            add(.keyword(entry.keyword), kind: .keywordSearch, weight: entry.weight, timestampMs: entry.timestampMs, session: entry.sessionId)
        }
        for entry in activity.shops {
            add(.shop(entry.shopId), kind: entry.kind, weight: entry.weight, timestampMs: entry.timestampMs, session: entry.sessionId)
        }
        let items = byTarget.values.filter { $0.weight > 0 }.sorted {
            ($0.weight, $0.timestampMs) > ($1.weight, $1.timestampMs)
        }
        return Array(items.prefix(maxItems))
    }
}
