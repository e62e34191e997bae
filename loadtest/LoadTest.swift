// loadtest: measures whether the system holds its latency budget.
//   loadtest scenario --target 127.0.0.1:50061 --rate 2000 --duration 30s
// Simulated users act (clicks, searches, views, orders through HistoryService.Ingest) while
// SearchHomeService.Recommend is called at a fixed arrival rate (open loop: latency counts from each
// call's intended send time, so a stalled server cannot hide behind coordinated omission), and
// sampled searches are followed until a Recommend answer reflects them (freshness).
import ArgumentParser
import Courier

@main
struct LoadTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest", abstract: "Load tests for Courier services and the recommendation system's latency budget.",
        subcommands: [ScenarioCommand.self, RPCCommand.self])

    /// Large messages' buffers are reused instead of mapped afresh for every call (LargeMessageMemory).
    static func main() async {
        LargeMessageMemory.reuseBuffers()
        await main(nil)
    }
}
