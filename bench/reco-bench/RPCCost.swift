import ArgumentParser
import Courier
import GRPCServiceProtos
import RecoProtos
import Foundation
import NIOPosix

/// Server CPU per call of each RPC SearchHome makes, read from /proc for the server's pid while
/// this client calls it (with `concurrency` calls in flight), to see where a Recommend's time goes.
struct RPCCost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rpc-cost", abstract: "Server CPU per call of the reco RPCs.")
    @Option(help: "reco serve port on 127.0.0.1.") var port: Int
    @Option(help: "reco serve pid (its CPU time is read from /proc).") var pid: Int
    @Option(help: "Calls per method.") var calls = 5000
    @Option(help: "Calls in flight.") var concurrency = 16

    func cpuMilliseconds() -> Int {
        let fields = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ") ?? []
        return fields.count > 15 ? (Int(fields[13])! + Int(fields[14])!) * 10 : 0
    }

    func measure(_ name: String, _ call: @escaping @Sendable () async throws -> Void, executor: any TaskExecutor) async throws {
        for _ in 0..<200 { try await call() }
        let before = cpuMilliseconds()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask(executorPreference: executor) {
                    for _ in stride(from: worker, to: calls, by: concurrency) { try await call() }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let cpu = cpuMilliseconds() - before
        print(String(format: "%-44@ server CPU %6.1f us/call   (%.0f calls/s)", name as NSString,
                     Double(cpu) * 1000 / Double(calls), Double(calls) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)))
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = GRPCChannel(host: "127.0.0.1", port: port, group: group)
        let executor = channel.taskExecutor
        let candidates = Reco_V1_CandidateService.Client(channel: channel)
        let history = Reco_V1_HistoryService.Client(channel: channel)
        let similarity = Reco_V1_SimilarityService.Client(channel: channel)
        let searchHome = Reco_V1_SearchHomeService.Client(channel: channel)
        let health = Grpc_Health_V1_Health.Client(channel: channel)
        var location = Reco_V1_Location()
        location.latitude = 37.5665
        location.longitude = 126.978
        var candidatesRequest = Reco_V1_CandidatesRequest()
        candidatesRequest.userId = "user-0005"
        candidatesRequest.location = location
        candidatesRequest.limit = 200
        candidatesRequest.omitShopDetails = true
        let fixedCandidates = candidatesRequest
        var historyRequest = Reco_V1_HistoryRequest()
        historyRequest.userId = "user-0005"
        let fixedHistory = historyRequest
        var rankRequest = Reco_V1_RankByHistoryRequest()
        rankRequest.candidates = Array(1001...1200)
        rankRequest.topK = 20
        for (index, keyword) in ["마라탕", "커피", "치킨"].enumerated() {
            var item = Reco_V1_HistoryItem()
            item.target = .keyword(keyword)
            item.weight = Float(index + 1)
            rankRequest.history.append(item)
        }
        let fixedRank = rankRequest
        var shopsRequest = Reco_V1_GetShopsRequest()
        shopsRequest.shopIds = Array(1001...1020)
        let fixedShops = shopsRequest
        var recommendRequest = Reco_V1_RecommendRequest()
        recommendRequest.userId = "user-0005"
        recommendRequest.location = location
        recommendRequest.limit = 20
        let fixedRecommend = recommendRequest

        try await measure("Health.Check (baseline)", { _ = try await health.check(Grpc_Health_V1_HealthCheckRequest()) }, executor: executor)
        try await measure("GetCandidates (200, ids only)", { _ = try await candidates.getCandidates(fixedCandidates) }, executor: executor)
        try await measure("UserActivity", { _ = try await history.userActivity(fixedHistory) }, executor: executor)
        try await measure("RankByHistory (200 candidates, 3 items, top 20)", { _ = try await similarity.rankByHistory(fixedRank) }, executor: executor)
        try await measure("GetShops (20)", { _ = try await candidates.getShops(fixedShops) }, executor: executor)
        try await measure("Recommend (all of the above inside)", { _ = try await searchHome.recommend(fixedRecommend) }, executor: executor)
        await channel.close()
    }
}
