import RecoCore
import Logging

/// A first run's data: the `reco` tool writes the demo data set into a data directory that has
/// no batches at all, so `reco serve` runs on embedded defaults. A directory that has batch
/// folders but no complete one is a mistake to report, not to paper over with made-up shops,
/// unless the caller forces it (`reco serve --demo`).
public enum DemoDataBootstrap {
    /// Makes sure `dataDirectory` has the batches `role` loads: nothing to do when it has them;
    /// writes the demo data set (`demo`) when it has no batch folders at all, or when `force`;
    /// else throws a `ConfigurationError` naming what is missing.
    public static func prepare(dataDirectory data: String, role: RecoRole, demo: DemoDataGenerator.Configuration,
                               force: Bool, logger: Logger = Logger(label: "reco")) throws {
        let runs = role.runs
        guard runs(.similarity) || runs(.candidates) else { return }
        let embeddings = PartDateDirectory(root: "\(data)/embeddings")
        let candidates = PartDateDirectory(root: "\(data)/candidates")
        let needed = (runs(.similarity) ? [embeddings] : []) + (runs(.candidates) ? [candidates] : [])
        let lacking = needed.filter { $0.completePartDates().isEmpty }
        if lacking.isEmpty { return }
        let untouched = embeddings.batchFolders().isEmpty && candidates.batchFolders().isEmpty
        guard untouched || force else {
            let problems = lacking.map { directory in
                let folders = directory.batchFolders()
                return folders.isEmpty
                    ? "\(directory.root): no part_date folders"
                    : "\(directory.root): no complete part_date (\(folders.joined(separator: ", ")) \(folders.count == 1 ? "has" : "have") no _SUCCESS)"
            }
            throw ConfigurationError(problems.joined(separator: "; ") + ". Finish or remove the incomplete batches, or pass --demo to write the demo data set there.")
        }
        let summary = try DemoDataGenerator(configuration: demo).write(to: data)
        logger.info("generated demo data", metadata: ["directory": "\(data)", "summary": "\(summary)"])
    }
}
