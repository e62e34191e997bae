import Courier
import RecoProtos

/// One sampled action followed to its effect: a fresh user (in the re-rank group) searches a
/// keyword through the Ingest stream; Recommend is asked every `probePoll` until an answer shows a
/// shop driven by that search. Freshness = the first such answer's arrival - the probe's intended
/// time on the run's schedule (so a probe due during a stall is charged for the stall).
struct FreshnessProbe: Sendable {
    enum Outcome: Sendable {
        /// Freshness is measured from the probe's intended time, not from when it got going.
        case reflected(intended: ContinuousClock.Instant, latency: Duration)
        case timedOut(intended: ContinuousClock.Instant)
    }

    let number: Int
    let runId: String
    /// A user of the re-rank group with no history, found before the run (`findUsers`).
    let userId: String
    let searchHome: Reco_V1_SearchHomeService.Client
    let feed: IngestFeed
    let settings: ScenarioRun.Settings
    let location: Reco_V1_Location?

    /// Sends the search at once (the probe was launched at `intended`) and polls Recommend until
    /// an answer shows a shop it drove, or the timeout. A failed poll (a stalled or overloaded
    /// server) does not end the probe: the action was sent, and its freshness is what is asked.
    func run(intended: ContinuousClock.Instant) async -> (result: Outcome, recommends: Int, failedPolls: [any Error]) {
        let clock = ContinuousClock()
        var recommends = 0
        var failures: [any Error] = []
        let options = CallOptions(timeout: settings.deadline)
        let keyword = ScenarioActions.keywords[number % ScenarioActions.keywords.count]
        var action = Reco_V1_UserAction()
        action.eventId = "\(runId)-probe-\(number)"
        action.userId = userId
        action.sessionId = "\(runId)-probe-session-\(number)"
        action.kind = .keywordSearch
        action.target = .keyword(keyword)
        action.timestampMs = WallClock.nowMilliseconds()
        feed.send(action)
        while clock.now - intended < settings.probeTimeout {
            recommends += 1
            do {
                let response = try await searchHome.recommend(request(userId), options: options)
                if response.shops.contains(where: { $0.drivenBy?.target == .keyword(keyword) }) {
                    return (.reflected(intended: intended, latency: clock.now - intended), recommends, failures)
                }
            } catch {
                failures.append(error)
            }
            try? await Task.sleep(for: settings.probePoll)
        }
        return (.timedOut(intended: intended), recommends, failures)
    }

    /// `count` users with no history in the re-rank group (the split is the server's: asked with
    /// one Recommend each), found before the run so no probe spends its measured time on this.
    static func findUsers(count: Int, runId: String, searchHome: Reco_V1_SearchHomeService.Client,
                          deadline: Duration) async throws -> [String] {
        var users: [String] = []
        var candidate = 0
        while users.count < count {
            candidate += 1
            guard candidate <= count * 8 + 16 else {
                throw RPCError(code: .failedPrecondition, message: "found only \(users.count) of \(count) probe users in the re-rank group (B)")
            }
            var request = Reco_V1_RecommendRequest()
            request.userId = "\(runId)-probe-user-\(candidate)"
            request.limit = 1
            if try await searchHome.recommend(request, options: CallOptions(timeout: deadline)).group == "B" {
                users.append(request.userId)
            }
        }
        return users
    }

    private func request(_ userId: String) -> Reco_V1_RecommendRequest {
        var request = Reco_V1_RecommendRequest()
        request.userId = userId
        request.limit = settings.limit
        request.location = location
        return request
    }
}

