import Courier
@testable import RecoSearchHome
import Reco
import RecoProtos
import Testing

/// SearchHome's decisions without a network: the time split, the first hop's failure, the
/// re-rank merge, the answer and the degradation reason.
@Suite("SearchHome's plan")
struct RecommendPlanTests {
    static func columns(_ ids: [Int64]) -> Reco_V1_CandidateColumns {
        var columns = Reco_V1_CandidateColumns()
        columns.shopIds = ids
        columns.modelScores = ids.map { Float(100 - $0) }
        columns.sources = ids.map { $0 % 2 == 0 ? .twoTower : .popular }
        return columns
    }

    static func item(_ shop: Int64) -> Reco_V1_HistoryItem {
        var item = Reco_V1_HistoryItem()
        item.target = .shopId(shop)
        item.weight = 1
        return item
    }

    @Test("the budget is the configured one or the caller's shorter remaining time, split by the configured shares")
    func budgetSplit() {
        var configuration = SearchHomeConfiguration()
        configuration.deadline = .milliseconds(100)
        configuration.firstHopShare = 0.5
        configuration.rerankEndsAt = 0.8
        configuration.reserve = .milliseconds(5)
        let start = ContinuousClock.now
        let own = RecommendPlan.Budget(configuration: configuration, callerRemaining: nil, start: start)
        #expect(own.firstHop == .milliseconds(50))
        #expect(own.rerankDeadline == start + .milliseconds(80))
        #expect(own.answerDeadline == start + .milliseconds(95))
        let callerLater = RecommendPlan.Budget(configuration: configuration, callerRemaining: .seconds(3), start: start)
        #expect(callerLater == own, "a later caller deadline does not stretch the budget")
        let callerSooner = RecommendPlan.Budget(configuration: configuration, callerRemaining: .milliseconds(40), start: start)
        #expect(callerSooner.firstHop == .milliseconds(20))
        #expect(callerSooner.answerDeadline == start + .milliseconds(35))
    }

    @Test("a failed first hop: the caller's mistake passes through, a timeout stays one, the rest is UNAVAILABLE")
    func candidatesFailure() {
        #expect(RecommendPlan.candidatesFailure(RPCError(code: .invalidArgument, message: "location: out of range"))
            == RPCError(code: .invalidArgument, message: "location: out of range"))
        #expect(RecommendPlan.candidatesFailure(RPCError(code: .deadlineExceeded, message: "late")).code == .deadlineExceeded)
        let lost = RecommendPlan.candidatesFailure(RPCError(code: .internal, message: "boom"))
        #expect(lost == RPCError(code: .unavailable, message: "candidates: INTERNAL: boom"))
    }

    @Test("the ranking's order leads; unknown ids and repeats are skipped; unscored shops follow in two-tower order")
    func reorder() {
        let candidates = Self.columns([10, 11, 12, 13, 14])
        var ranking = Reco_V1_RankResponse()
        let scored: [(id: Int64, score: Float, driver: Int32)] = [(13, 0.9, 1), (99, 0.8, 0), (11, 0.7, 0), (13, 0.6, 0)]
        ranking.shops = scored.map { entry in
            var shop = Reco_V1_ScoredShop()
            shop.shopId = entry.id
            shop.score = entry.score
            shop.driverIndex = entry.driver
            return shop
        }
        ranking.unknownShopIds = [14, 10]
        let items = [Self.item(1), Self.item(2)]
        let order = RecommendPlan.reorder(candidates, by: ranking, items: items, limit: 4)
        #expect(order.map(\.position) == [3, 1, 0, 4])
        let expectedScores: [Float] = [0.9, 0.7, 90, 86]
        #expect(order.map(\.score) == expectedScores)
        #expect(order[0].driver == items[1] && order[1].driver == items[0] && order[2].driver == nil)
        #expect(RecommendPlan.reorder(candidates, by: ranking, items: items, limit: 1).map(\.position) == [3])
        #expect(RecommendPlan.twoTowerOrder(candidates, limit: 3).map(\.position) == [0, 1, 2])
        #expect(RecommendPlan.twoTowerOrder(candidates, limit: 9).count == 5)
    }

    @Test("the answer: details when known, else the id; scores, sources and drivers from the order")
    func answer() {
        let candidates = Self.columns([20, 21])
        var known = Reco_V1_Shop()
        known.shopId = 21
        known.name = "마라탕"
        let order = [RecommendPlan.Ranked(position: 1, score: 0.5, driver: Self.item(7)), .init(position: 0, score: 80, driver: nil)]
        let shops = RecommendPlan.shops(order, candidates: candidates, details: [21: known])
        #expect(shops.map { $0.shop?.shopId } == [21, 20])
        #expect(shops[0].shop?.name == "마라탕" && shops[1].shop?.name == "")
        #expect(shops.map(\.score) == [0.5, 80])
        #expect(shops.map(\.modelScore) == [79, 80])
        #expect(shops.map(\.source) == [.popular, .twoTower])
        #expect(shops[0].drivenBy == Self.item(7) && shops[1].drivenBy == nil)
    }

    @Test("degradation reasons: the first cause leads, later ones follow")
    func degradation() {
        var response = Reco_V1_RecommendResponse()
        RecommendPlan.degrade(&response, "history", RPCError(code: .unavailable, message: "down"))
        RecommendPlan.degrade(&response, "shop details", RPCError(code: .deadlineExceeded, message: "late"))
        #expect(response.degraded)
        #expect(response.degradedReason == "history: UNAVAILABLE; shop details: DEADLINE_EXCEEDED")
    }
}
