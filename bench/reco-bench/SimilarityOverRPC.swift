import ArgumentParser
import Courier
import NIOPosix
import RecoProtos
import Reco

struct SimilarityOverRPC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity-rpc", abstract: "RankByKeyword over Courier, one call at a time (round-trip latency).")
    @OptionGroup var workload: SimilarityWorkload
    @Option(help: "Similarity server port on 127.0.0.1.") var port: Int
    @Option(help: "Calls in flight at once.") var concurrency = 1

    func run() async throws {
        let table = try workload.table()
        let requests = workload.requests(from: table, count: workload.warmup + workload.queries)
        // One event loop for the client: no hops between threads on its core.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = GRPCChannel(host: "127.0.0.1", port: port, group: group)
        let similarity = Reco_V1_SimilarityService.Client(channel: channel)
        for request in requests.prefix(workload.warmup) {
            _ = try await similarity.rankByKeyword(request)
        }
        let measured = Array(requests.dropFirst(workload.warmup))
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask(executorPreference: channel.taskExecutor) {
                    for index in stride(from: worker, to: measured.count, by: concurrency) {
                        let response = try await similarity.rankByKeyword(measured[index])
                        guard response.shops.count == workload.topK else { throw ValidationError("short answer: \(response.shops.count)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        report("courier over RPC (c=\(concurrency))", queries: measured.count, elapsed: clock.now - start)
        await channel.close()
    }
}
