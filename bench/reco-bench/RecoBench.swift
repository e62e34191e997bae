// reco-bench: the recommendation system's benchmarks (figures printed, never asserted).
//   reco-bench similarity --data DIR [--queries N] [--candidates 1000] [--top-k 100]
//       in-process exact ranking on the embeddings of DIR
//   reco-bench similarity-rpc --port P ...   the same queries as RankByKeyword calls over Courier
//   reco-bench similarity-split --port P [--pid PID] ...   where a RankByKeyword round trip goes
import ArgumentParser
import Courier

@main
struct RecoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reco-bench", abstract: "Benchmarks of the recommendation services.",
        subcommands: [SimilarityInProcess.self, SimilarityOverRPC.self, SimilaritySplit.self, RPCCost.self, IngestThroughput.self])

    /// The memory settings `reco` runs with, so in-process figures match the server's.
    static func main() async {
        LargeMessageMemory.reuseBuffers()
        await main(nil)
    }
}
