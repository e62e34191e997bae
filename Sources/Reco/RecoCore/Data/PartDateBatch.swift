import Logging

/// A daily batch a service answers from, read from one part_date folder of a `PartDateDirectory`
/// (embeddings for Similarity, the candidate batch for Candidates).
public protocol PartDateBatch: AnyObject, Sendable {
    var partDate: String { get }
    /// Reads the batch in `directory` (the part_date's folder). Throws on any file that is missing
    /// or malformed, naming the file, line and field; never crashes on what a file holds.
    static func load(directory: String, partDate: String) throws -> Self
    /// What a log line says about the batch (part_date and sizes).
    var summary: Logger.Metadata { get }
}

extension PartDateBatch {
    /// Reads the newest complete part_date (or the one named) of `directory`.
    public static func load(_ partDate: String = "", from directory: PartDateDirectory) throws -> Self {
        let (resolved, path) = try directory.resolve(partDate)
        return try load(directory: path, partDate: resolved)
    }

    /// Reads the newest complete part_date that loads. A newer one that fails is logged at error
    /// and skipped, so one bad batch cannot keep the service from starting (or restarting); throws
    /// only when no complete part_date loads, with every failure in the message.
    public static func loadNewestGood(from directory: PartDateDirectory, logger: Logger) throws -> Self {
        var failures: [String] = []
        for partDate in directory.completePartDates().reversed() {
            do {
                return try load(directory: "\(directory.root)/\(partDate)", partDate: partDate)
            } catch {
                logger.error("part_date refused; trying an older one", metadata: [
                    "part_date": "\(partDate)", "directory": "\(directory.root)", "error": "\(error)",
                ])
                failures.append("\(partDate): \(error)")
            }
        }
        guard !failures.isEmpty else { throw PartDateError.noneComplete(root: directory.root) }
        throw ConfigurationError("\(directory.root): no complete part_date loads:\n  " + failures.joined(separator: "\n  "))
    }
}
