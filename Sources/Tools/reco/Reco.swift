// reco: the recommendation system's one binary.
//   reco serve                         all four services on one port, embedded stores, demo data
//   reco serve --service history ...   one service, peers by flag
//   reco demo-data --out DIR           write the demo data set
//   reco load-batch DIR --postgres URL upload batch folders into PostgreSQL
import ArgumentParser
import Courier

@main
struct RecoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reco",
        abstract: "The real-time reactive recommendation services on Courier.",
        subcommands: [Serve.self, DemoData.self, LoadBatch.self],
        defaultSubcommand: Serve.self)

    /// Large messages' buffers are reused instead of mapped afresh for every call (LargeMessageMemory).
    static func main() async {
        LargeMessageMemory.reuseBuffers()
        await main(nil)
    }
}
