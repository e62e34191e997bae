import RecoCore
import Courier
import RecoProtos

/// SearchHome's decisions that need no peer: how a Recommend's time is split between its hops,
/// what a failed first hop means for the caller, how a ranking reorders the candidates, how the
/// answer is assembled and how degradations are named. Pure functions, tested without a network.
enum RecommendPlan {
    /// When each step of one Recommend must be done.
    struct Budget: Equatable {
        /// The timeout of the first hop (candidates and history, concurrently).
        var firstHop: Duration
        /// By when the re-rank must have answered.
        var rerankDeadline: ContinuousClock.Instant
        /// By when the shown shops' details must have come, leaving time to build the answer.
        var answerDeadline: ContinuousClock.Instant

        /// The configured budget, or the caller's remaining time when that is shorter.
        init(configuration: SearchHomeConfiguration, callerRemaining: Duration?, start: ContinuousClock.Instant) {
            var budget = configuration.deadline
            if let callerRemaining { budget = min(budget, callerRemaining) }
            firstHop = budget * configuration.firstHopShare
            rerankDeadline = start + budget * configuration.rerankEndsAt
            answerDeadline = start + budget - configuration.reserve
        }
    }

    /// The status a Recommend fails with when Candidates failed: the caller's own mistake
    /// (INVALID_ARGUMENT) passes through as is, not as a degradation; a timeout stays
    /// DEADLINE_EXCEEDED; anything else is UNAVAILABLE, which the caller may retry.
    static func candidatesFailure(_ status: RPCError) -> RPCError {
        if status.code == .invalidArgument { return RPCError(code: .invalidArgument, message: status.message) }
        return RPCError(code: status.code == .deadlineExceeded ? .deadlineExceeded : .unavailable,
                        message: "candidates: \(status.code): \(status.message)")
    }

    /// A shop of the answer: its position in the candidates, its score, what drove it.
    struct Ranked: Equatable {
        var position: Int
        var score: Float
        var driver: Reco_V1_HistoryItem?
    }

    /// The two-tower order: the first `limit` candidates with their model scores.
    static func twoTowerOrder(_ candidates: Reco_V1_CandidateColumns, limit: Int) -> [Ranked] {
        (0..<min(limit, candidates.shopIds.count)).map { Ranked(position: $0, score: candidates.modelScores[$0], driver: nil) }
    }

    /// The candidates in the ranking's order, best `limit` first, each with the history item that
    /// drove it; shops the ranking could not score (no embedding) follow in two-tower order. Ids
    /// the candidates do not hold, and repeats, are skipped.
    static func reorder(_ candidates: Reco_V1_CandidateColumns, by ranking: Reco_V1_RankResponse, items: [Reco_V1_HistoryItem],
                        limit: Int) -> [Ranked] {
        var positionOf: [Int64: Int] = [:]
        positionOf.reserveCapacity(candidates.shopIds.count)
        for (position, id) in candidates.shopIds.enumerated() where positionOf[id] == nil {
            positionOf[id] = position
        }
        var reordered: [Ranked] = []
        reordered.reserveCapacity(limit)
        var placed = Set<Int>()
        for scored in ranking.shops where reordered.count < limit {
            guard let position = positionOf[scored.shopId], placed.insert(position).inserted else { continue }
            let driver = items.indices.contains(Int(scored.driverIndex)) ? items[Int(scored.driverIndex)] : nil
            reordered.append(Ranked(position: position, score: scored.score, driver: driver))
        }
        let unknown = Set(ranking.unknownShopIds)
        for (position, id) in candidates.shopIds.enumerated() where reordered.count < limit && unknown.contains(id) {
            guard placed.insert(position).inserted else { continue }
            reordered.append(Ranked(position: position, score: candidates.modelScores[position], driver: nil))
        }
        return reordered
    }

    /// The answer's shops: each with its details when known (else its id only), its score, its
    /// model score, where it came from and what drove it.
    static func shops(_ order: [Ranked], candidates: Reco_V1_CandidateColumns, details: [Int64: Reco_V1_Shop]) -> [Reco_V1_RecommendedShop] {
        order.map { ranked in
            let id = candidates.shopIds[ranked.position]
            var shop = Reco_V1_RecommendedShop()
            if let known = details[id] {
                shop.shop = known
            } else {
                var idOnly = Reco_V1_Shop()
                idOnly.shopId = id
                shop.shop = idOnly
            }
            shop.score = ranked.score
            shop.modelScore = candidates.modelScores[ranked.position]
            shop.source = candidates.sources[ranked.position]
            shop.drivenBy = ranked.driver
            return shop
        }
    }

    /// Marks the answer degraded by `dependency`'s failure: the first cause leads, later ones
    /// (often its consequence) follow it.
    static func degrade(_ response: inout Reco_V1_RecommendResponse, _ dependency: String, _ status: RPCError) {
        let reason = "\(dependency): \(status.code)"
        response.degradedReason = response.degraded ? response.degradedReason + "; " + reason : reason
        response.degraded = true
    }
}
