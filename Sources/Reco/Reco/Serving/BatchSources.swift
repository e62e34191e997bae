import RecoCore
import RecoPostgres
import Logging
import NIOPosix

/// Where Similarity's and Candidates' batches come from: folders in the data directory, written by
/// the batch jobs (default), or PostgreSQL (`--postgres`), copied into `<data>/postgres/<dataset>/`
/// before each load so that they are validated and loaded exactly as folders are, and so that a
/// replica restarted while the database is down still starts from its last copy.
struct BatchSources: Sendable {
    let postgres: PostgresBatchStore?
    let dataDirectory: String

    init(configuration: RecoNodeConfiguration) throws {
        dataDirectory = configuration.dataDirectory
        postgres = try configuration.postgresURL.map { try PostgresBatchStore(url: $0) }
    }

    /// The part_date folders of `dataset` (`embeddings` or `candidates`).
    func directory(_ dataset: PostgresBatchStore.Dataset) -> PartDateDirectory {
        guard let postgres else { return PartDateDirectory(root: "\(dataDirectory)/\(dataset.rawValue)") }
        let root = "\(dataDirectory)/postgres/\(dataset.rawValue)"
        return PartDateDirectory(root: root, fetcher: PostgresBatchFetcher(store: postgres, dataset: dataset, root: root))
    }

    /// The active batch of `directory`: loaded now when its folders are written locally; when they
    /// come from a source, loaded by a step appended to `loads` (fetching is asynchronous: `start`
    /// runs the steps before the port opens). Logs "`name` loaded" with the batch's summary.
    static func activeBatch<Batch: PartDateBatch>(
        _ type: Batch.Type, named name: String, from directory: PartDateDirectory, logger: Logger,
        metadata: Logger.Metadata = [:], deferringTo loads: inout [@Sendable () async throws -> Void]
    ) throws -> ActiveBatch<Batch> {
        let active = ActiveBatch<Batch>()
        @Sendable func activate(_ batch: Batch) {
            logger.info("\(name) loaded", metadata: batch.summary.merging(metadata) { $1 })
            active.activate(batch)
        }
        if directory.fetcher == nil {
            activate(try Batch.loadNewestGood(from: directory, logger: logger))
        } else {
            loads.append { activate(try await loadNewest(Batch.self, from: directory, logger: logger)) }
        }
        return active
    }

    /// Fetches the newest complete part_date from the source, if there is one, then loads the
    /// newest good local part_date. A source that cannot be reached is logged at error and the
    /// newest local copy is loaded instead.
    static func loadNewest<Batch: PartDateBatch>(_ type: Batch.Type, from directory: PartDateDirectory, logger: Logger) async throws -> Batch {
        if let fetcher = directory.fetcher {
            do {
                let partDate = try await fetcher.fetch("")
                logger.info("batch fetched", metadata: ["part_date": "\(partDate)", "directory": "\(directory.root)"])
            } catch {
                logger.error("batch source unreachable at start; loading the newest local copy", metadata: [
                    "directory": "\(directory.root)", "error": "\(error)",
                ])
            }
        }
        return try await NIOThreadPool.singleton.runIfActive { try Batch.loadNewestGood(from: directory, logger: logger) }
    }
}
