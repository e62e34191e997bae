import RecoCore
import Courier
import RecoProtos
import Foundation
import Logging

/// `reco.v1.SearchHomeService`: the orchestrator the app calls.
///
/// One deadline covers the call (150 ms by default, or the caller's if sooner). Candidates and
/// recent history are fetched concurrently within the first share of it; group B users with
/// history get the candidates re-ranked by Similarity within what is left. When History or
/// Similarity fails or runs out of time the answer is the two-tower list, flagged degraded: the
/// user never sees an error while candidates exist.
public struct SearchHomeServiceProvider: Reco_V1_SearchHomeService.ServiceProtocol {
    public let peers: SearchHomePeers
    public var configuration: SearchHomeConfiguration
    public var metrics: RecoMetrics?
    private let logger: Logger
    private let detailsCache = ShopDetailsCache()
    private let degradationLog = LogRateLimiter(interval: .seconds(1))

    public init(peers: SearchHomePeers, configuration: SearchHomeConfiguration = SearchHomeConfiguration(),
                metrics: RecoMetrics? = nil, logger: Logger = Logger(label: "reco.searchhome")) {
        self.peers = peers
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    public func recommend(request: Reco_V1_RecommendRequest, context: ServerContext) async throws -> Reco_V1_RecommendResponse {
        try UserRequestCheck.check(userId: request.userId, limit: request.limit, location: request.location)
        let peers = try self.peers.current()
        let limit = request.limit == 0 ? configuration.defaultLimit : min(Int(request.limit), configuration.maxLimit)
        let clock = ContinuousClock()
        let budget = RecommendPlan.Budget(configuration: configuration, callerRemaining: context.timeRemaining, start: clock.now)
        let group = ExperimentGroup.of(userId: request.userId, rerankShare: configuration.rerankShare, salt: configuration.experimentSalt)

        var response = Reco_V1_RecommendResponse()
        response.group = group.rawValue

        // First hop: candidates and (for group B) history, concurrently.
        var candidatesRequest = Reco_V1_CandidatesRequest()
        candidatesRequest.userId = request.userId
        candidatesRequest.location = request.location
        candidatesRequest.limit = Int32(configuration.candidateLimit)
        // Ids and scores only: details are fetched for the few shops the answer shows.
        candidatesRequest.omitShopDetails = true
        async let candidateAnswer = peers.candidates.getCandidates(candidatesRequest, options: hopOptions(budget.firstHop))
        async let historyAnswer: Result<Reco_V1_SessionActivity, any Error>? = group == .b
            ? fetchHistory(peers.history, userId: request.userId, timeout: budget.firstHop) : nil

        let candidateList: Reco_V1_CandidatesResponse
        do {
            candidateList = try await candidateAnswer
        } catch {
            _ = await historyAnswer
            let status = RPCError(reporting: error)
            let failure = RecommendPlan.candidatesFailure(status)
            // The caller's mistake, caught by Candidates: the caller's status, not a degradation.
            if failure.code == .invalidArgument { throw failure }
            metrics?.recordRecommendation(strategy: nil, degradedBy: "candidates")
            degradationLog.attempt { suppressed in
                logger.warning("recommendation failed: no candidates", metadata: [
                    "code": "\(status.code)", "message": "\(status.message)", "suppressed": "\(suppressed)",
                ])
            }
            throw failure
        }
        response.candidatePartDate = candidateList.partDate
        response.strategy = candidateList.coldStart ? .popular : .twoTower
        // The answer's order as positions into the candidates (two-tower order until re-ranked).
        let candidates = candidateList.columns ?? Reco_V1_CandidateColumns()
        let candidateCount = candidates.shopIds.count
        guard candidates.sources.count == candidateCount, candidates.modelScores.count == candidateCount else {
            throw RPCError(code: .internal, message: "candidates: columns of different lengths")
        }
        var order = RecommendPlan.twoTowerOrder(candidates, limit: limit)

        if group == .b, let historyResult = await historyAnswer {
            switch historyResult {
            case .failure(let error):
                degrade(&response, "history", error)
            case .success(let activity):
                let items = configuration.weighting.items(
                    from: activity, sessionId: request.sessionId, nowMs: WallClock.milliseconds())
                response.historyItems = Int32(items.count)
                if !items.isEmpty && candidateCount > 0 {
                    await rerank(&order, candidates: candidates, limit: limit, by: items, using: peers.similarity,
                                 deadline: budget.rerankDeadline, clock: clock, response: &response)
                }
            }
        }

        let shown = order.map { candidates.shopIds[$0.position] }
        let details = await shopDetails(of: shown, partDate: candidateList.partDate, using: peers.candidates,
                                        deadline: budget.answerDeadline, clock: clock, response: &response)
        response.shops = RecommendPlan.shops(order, candidates: candidates, details: details)
        metrics?.recordRecommendation(strategy: response.strategy, degradedBy: response.degraded ? response.degradedReason.prefix { $0 != ":" }.description : nil)
        return response
    }

    private func fetchHistory(_ history: Reco_V1_HistoryService.Client, userId: String, timeout: Duration) async -> Result<Reco_V1_SessionActivity, any Error> {
        var request = Reco_V1_HistoryRequest()
        request.userId = userId
        // The newest are what weigh; more than this would be cut by the weighting anyway.
        request.limit = Int32(configuration.historyFetchLimit)
        do {
            return .success(try await history.userActivity(request, options: hopOptions(timeout)))
        } catch {
            return .failure(error)
        }
    }

    /// Orders the candidates by similarity to the history, best `limit` first; shops without
    /// embeddings keep their order after the scored ones. Leaves `order` as it is (and flags the
    /// answer degraded) on failure.
    private func rerank(_ order: inout [RecommendPlan.Ranked], candidates: Reco_V1_CandidateColumns, limit: Int, by items: [Reco_V1_HistoryItem],
                        using similarity: Reco_V1_SimilarityService.Client, deadline: ContinuousClock.Instant,
                        clock: ContinuousClock, response: inout Reco_V1_RecommendResponse) async {
        let remaining = deadline - clock.now
        guard remaining > .zero else {
            degrade(&response, "similarity", RPCError(code: .deadlineExceeded, message: "no time left for the re-rank"))
            return
        }
        var request = Reco_V1_RankByHistoryRequest()
        request.history = items
        request.candidates = candidates.shopIds
        // Only the best `limit` come back: the scored ones lead the answer, whatever follows them.
        request.topK = Int32(limit)
        let ranking: Reco_V1_RankResponse
        do {
            ranking = try await similarity.rankByHistory(request, options: hopOptions(remaining))
        } catch {
            degrade(&response, "similarity", error)
            return
        }
        order = RecommendPlan.reorder(candidates, by: ranking, items: items, limit: limit)
        response.strategy = .rerank
        response.embeddingPartDate = ranking.partDate
    }

    /// Details of the shops the answer shows: from the cache, and one GetShops call for those it
    /// lacks. On failure the answer says it degraded, and shops without details keep only their id.
    private func shopDetails(of ids: [Int64], partDate: String, using candidates: Reco_V1_CandidateService.Client,
                             deadline: ContinuousClock.Instant, clock: ContinuousClock,
                             response: inout Reco_V1_RecommendResponse) async -> [Int64: Reco_V1_Shop] {
        var byId = detailsCache.lookup(ids, partDate: partDate)
        let missing = ids.filter { byId[$0] == nil }
        guard !missing.isEmpty else { return byId }
        var request = Reco_V1_GetShopsRequest()
        request.shopIds = missing
        let remaining = deadline - clock.now
        do {
            guard remaining > .zero else { throw RPCError(code: .deadlineExceeded, message: "no time left for shop details") }
            let details = try await candidates.getShops(request, options: hopOptions(remaining))
            // Cached under the part_date the details come from (a batch may have been swapped in since).
            detailsCache.store(details.shops, partDate: details.partDate)
            for shop in details.shops { byId[shop.shopId] = shop }
        } catch {
            degrade(&response, "shop details", error)
        }
        return byId
    }

    /// A hop's options: what is left of the budget, and marked critical, so a peer under load
    /// sheds new Recommends rather than the hops of ones it has already admitted.
    private func hopOptions(_ timeout: Duration) -> CallOptions {
        var options = CallOptions(timeout: timeout)
        options.metadata.add(AdmissionControl.criticalityHeader, "critical")
        return options
    }

    private func degrade(_ response: inout Reco_V1_RecommendResponse, _ dependency: String, _ error: any Error) {
        let status = RPCError(reporting: error)
        RecommendPlan.degrade(&response, dependency, status)
        // Warning, at most once a second: under overload every call degrades, and the metrics
        // count them all; the line says how many were not logged.
        degradationLog.attempt { suppressed in
            logger.warning("recommendation degraded", metadata: [
                "dependency": "\(dependency)", "code": "\(status.code)", "message": "\(status.message)",
                "suppressed": "\(suppressed)",
            ])
        }
    }
}
