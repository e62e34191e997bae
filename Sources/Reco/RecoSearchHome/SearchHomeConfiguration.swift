import RecoCore
/// How SearchHome orchestrates a recommendation.
public struct SearchHomeConfiguration: Sendable {
    /// Shops per answer when the request does not say; at most `maxLimit`.
    public var defaultLimit = 20
    public var maxLimit = 200
    /// Candidates asked of CandidateService.
    public var candidateLimit = 200
    /// The whole call's budget when the caller's deadline is later (or absent).
    public var deadline: Duration = .milliseconds(150)
    /// Share of the budget the first hop (candidates and history, concurrently) may use.
    public var firstHopShare = 0.5
    /// Share of the budget by which the re-rank must end (the rest fetches the shown shops' details).
    public var rerankEndsAt = 0.85
    /// Kept back from the budget for building the answer.
    public var reserve: Duration = .milliseconds(3)
    /// Share of users in group B (re-rank), 0...1.
    public var rerankShare = 0.5
    /// Salt of the A/B hash: changing it reshuffles the groups.
    public var experimentSalt = "searchhome-rerank"
    public var weighting = HistoryWeighting()
    /// Newest keywords and newest shops asked of History per call (each list).
    public var historyFetchLimit = 50

    public init() {}
}
