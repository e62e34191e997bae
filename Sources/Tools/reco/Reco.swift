// reco: the recommendation system's one binary.
//   reco serve                         all four services on one port, embedded stores, demo data
//   reco serve --service history ...   one service, peers by flag
//   reco demo-data --out DIR           write the demo data set
import ArgumentParser

@main
struct RecoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reco",
        abstract: "The real-time reactive recommendation services on Courier.",
        subcommands: [Serve.self, DemoData.self],
        defaultSubcommand: Serve.self)
}
