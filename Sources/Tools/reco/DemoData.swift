import ArgumentParser
import Reco

struct DemoData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Write the demo data set (embeddings, candidate batch, users, sessions) in the batch format.")

    @Option(help: "Output directory.") var out = "reco-data"
    @Option(help: "Random seed: the same seed writes the same files.") var seed: UInt64 = 42
    @Option(help: "Number of shops.") var shops = 3000
    @Option(help: "Number of users.") var users = 1000
    @Option(help: "Number of scripted sessions.") var sessions = 300
    @Option(help: "Embedding dimensions.") var dimensions = 128
    @Option(help: "The part_date the batch is written as.") var partDate = "2026-11-22"

    func run() throws {
        var configuration = DemoDataGenerator.Configuration()
        configuration.seed = seed
        configuration.shops = shops
        configuration.users = users
        configuration.sessions = sessions
        configuration.dimensions = dimensions
        configuration.partDate = partDate
        let summary = try DemoDataGenerator(configuration: configuration).write(to: out)
        print("\(summary) in \(out)")
    }
}
