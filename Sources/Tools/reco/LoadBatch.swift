import ArgumentParser
import Foundation
import Reco

/// `reco load-batch DIR --postgres URL`: uploads the complete part_dates of a data directory's
/// `embeddings/` and `candidates/` folders into PostgreSQL, each marked complete last.
struct LoadBatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-batch",
        abstract: "Upload batch folders (embeddings/<part_date>/, candidates/<part_date>/) into PostgreSQL, each part_date marked complete last.")

    @Argument(help: "Data directory holding embeddings/ and candidates/ (see docs/data-format.md).") var directory: String
    @Option(help: "The database: postgres://user[:password]@host[:port]/database.") var postgres: String
    @Option(help: "Only this part_date (default: every complete one).") var partDate: String?
    @Option(help: "Only this dataset: embeddings or candidates (default: both).") var dataset: String?

    func run() async throws {
        let store = try PostgresBatchStore(url: postgres)
        let datasets: [PostgresBatchStore.Dataset]
        if let dataset {
            guard let one = PostgresBatchStore.Dataset(rawValue: dataset) else {
                throw ValidationError("--dataset: embeddings or candidates, got \(dataset)")
            }
            datasets = [one]
        } else {
            datasets = PostgresBatchStore.Dataset.allCases
        }
        try await store.migrate()
        var uploaded = 0
        for dataset in datasets {
            let folder = PartDateDirectory(root: "\(directory)/\(dataset.rawValue)")
            let partDates = partDate.map { [$0] } ?? folder.completePartDates()
            for partDate in partDates {
                let (resolved, path) = try folder.resolve(partDate)
                let start = ContinuousClock.now
                let summary = try await store.upload(folder: path, dataset: dataset, partDate: resolved)
                print("\(dataset.rawValue) \(resolved): \(summary.rows) rows in \(ContinuousClock.now - start), complete")
                uploaded += 1
            }
        }
        guard uploaded > 0 else { throw ValidationError("\(directory): no complete part_date to upload") }
    }
}
