import Logging

/// A daily batch a service answers from, read from one part_date folder of a `PartDateDirectory`
/// (embeddings for Similarity, the candidate batch for Candidates).
public protocol PartDateBatch: AnyObject, Sendable {
    var partDate: String { get }
    /// Reads the batch in `directory` (the part_date's folder).
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
}
