import Courier
import CourierProtos

/// One sampled action followed to its effect: a fresh user (in the re-rank group) searches a
/// keyword through the Ingest stream; Recommend is asked every `probePoll` until an answer shows a
/// shop driven by that search. Freshness = the first such answer's arrival - the action's send.
struct FreshnessProbe: Sendable {
    enum Outcome: Sendable {
        case reflected(sent: ContinuousClock.Instant, latency: Duration)
        case timedOut(sent: ContinuousClock.Instant)
        /// No user of the re-rank group found to probe with.
        case skipped
        case failed(any Error)
    }

    let number: Int
    let runId: String
    let searchHome: Reco_V1_SearchHomeService.Client
    let feed: IngestFeed
    let settings: ScenarioRun.Settings
    let location: Reco_V1_Location?

    func run() async -> (result: Outcome, recommends: Int) {
        let clock = ContinuousClock()
        var recommends = 0
        let options = CallOptions(timeout: settings.deadline)
        do {
            // A user with no history, in group B (the split is the server's; ask it).
            var userId: String?
            for attempt in 0..<8 {
                let candidate = "\(runId)-probe-\(number)-\(attempt)"
                recommends += 1
                if try await searchHome.recommend(request(candidate), options: options).group == "B" {
                    userId = candidate
                    break
                }
            }
            guard let userId else { return (.skipped, recommends) }
            let keyword = ScenarioActions.keywords[number % ScenarioActions.keywords.count]
            var action = Reco_V1_UserAction()
            action.eventId = "\(runId)-probe-\(number)"
            action.userId = userId
            action.sessionId = "\(runId)-probe-session-\(number)"
            action.kind = .keywordSearch
            action.target = .keyword(keyword)
            action.timestampMs = WallClock.nowMilliseconds()
            let sent = clock.now
            feed.send(action)
            while clock.now - sent < settings.probeTimeout {
                recommends += 1
                let response = try await searchHome.recommend(request(userId), options: options)
                if response.shops.contains(where: { $0.drivenBy?.target == .keyword(keyword) }) {
                    return (.reflected(sent: sent, latency: clock.now - sent), recommends)
                }
                try await Task.sleep(for: settings.probePoll)
            }
            return (.timedOut(sent: sent), recommends)
        } catch {
            return (.failed(error), recommends)
        }
    }

    private func request(_ userId: String) -> Reco_V1_RecommendRequest {
        var request = Reco_V1_RecommendRequest()
        request.userId = userId
        request.limit = settings.limit
        request.location = location
        return request
    }
}

