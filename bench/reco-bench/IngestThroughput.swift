import ArgumentParser
import Courier
import NIOPosix
import RecoProtos
import Reco

/// Actions per second History acknowledges: several client-streaming Ingest calls, each sending
/// actions with unique event ids as fast as flow control lets it; the rate counts only what the
/// summaries say was accepted.
struct IngestThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Ingest throughput: concurrent Ingest streams of unique actions; accepted actions per second.")
    @Option(help: "History server port on 127.0.0.1.") var port: Int
    @Option(help: "Concurrent Ingest streams.") var streams = 16
    @Option(help: "Actions per stream (measured).") var actions = 20_000
    @Option(help: "Actions per stream sent first and not measured.") var warmup = 2_000
    @Option(help: "Distinct users the actions spread over.") var users = 1_000

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = GRPCChannel(host: "127.0.0.1", port: port, group: group)
        let history = Reco_V1_HistoryService.Client(channel: channel)
        let run = UInt32.random(in: 0...UInt32.max)
        _ = try await send(history, phase: "w\(run)", count: warmup, channel: channel)
        let clock = ContinuousClock()
        let start = clock.now
        let summaries = try await send(history, phase: "m\(run)", count: actions, channel: channel)
        let elapsed = clock.now - start
        let accepted = summaries.reduce(0) { $0 + Int($1.accepted) }
        let other = summaries.reduce(0) { $0 + Int($1.duplicates + $1.rejected + $1.expired) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("ingest: \(accepted) accepted (\(other) not) over \(streams) streams in \(String(format: "%.2f", seconds)) s = \(String(format: "%.0f", Double(accepted) / seconds)) actions/s")
        await channel.close()
    }

    private func send(_ history: Reco_V1_HistoryService.Client, phase: String, count: Int, channel: GRPCChannel) async throws -> [Reco_V1_IngestSummary] {
        try await withThrowingTaskGroup(of: Reco_V1_IngestSummary.self) { group in
            for stream in 0..<streams {
                group.addTask(executorPreference: channel.taskExecutor) {
                    try await history.ingest { writer in
                        var action = Reco_V1_UserAction()
                        action.kind = .shopClick
                        for index in 0..<count {
                            action.eventId = "\(phase)-\(stream)-\(index)"
                            action.userId = "bench-user-\((stream * count + index) % users)"
                            action.sessionId = "bench-session-\(stream)"
                            action.target = .shopId(Int64(index % 3000 + 1))
                            try await writer.write(action)
                        }
                        writer.finish()
                    }
                }
            }
            var summaries: [Reco_V1_IngestSummary] = []
            for try await summary in group { summaries.append(summary) }
            return summaries
        }
    }
}
