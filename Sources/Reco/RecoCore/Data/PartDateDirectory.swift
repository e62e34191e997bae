import Foundation

/// A folder of daily batches: one subfolder per part_date (e.g. `2026-11-22`), complete once it
/// holds a `_SUCCESS` marker (written last by the batch job, as Hadoop/Spark jobs do). See
/// docs/data-format.md.
public struct PartDateDirectory: Sendable {
    public let root: String
    /// Where complete part_dates come from before they are loaded from `root` (PostgreSQL);
    /// nil: batch jobs write them into `root` themselves.
    public var fetcher: (any BatchFetcher)?

    /// Batch folders under `root`, written there by the batch jobs.
    public init(root: String) {
        self.root = root
        self.fetcher = nil
    }

    /// Batch folders under `root`, copied there by `fetcher` before each load.
    public init(root: String, fetcher: any BatchFetcher) {
        self.root = root
        self.fetcher = fetcher
    }

    /// Complete part_dates, oldest first.
    public func completePartDates() -> [String] {
        batchFolders().filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/_SUCCESS") }
    }

    /// Every subfolder that looks like a batch (complete or not), oldest first.
    public func batchFolders() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { !$0.hasPrefix(".") && isDirectory("\(root)/\($0)") }.sorted()
    }

    /// The folder of `partDate`, or of the newest complete one when `partDate` is empty.
    public func resolve(_ partDate: String) throws(PartDateError) -> (partDate: String, path: String) {
        if partDate.isEmpty {
            guard let newest = completePartDates().last else { throw .noneComplete(root: root) }
            return (newest, "\(root)/\(newest)")
        }
        guard Self.isWellFormed(partDate) else { throw .malformed(partDate) }
        guard FileManager.default.fileExists(atPath: "\(root)/\(partDate)/_SUCCESS") else {
            throw .missing(partDate: partDate, root: root)
        }
        return (partDate, "\(root)/\(partDate)")
    }

    /// A part_date names one folder: letters, digits, `-`, `_` and `.`, not starting with a dot
    /// (so never `..`, a path, or a hidden folder).
    public static func isWellFormed(_ partDate: String) -> Bool {
        guard !partDate.hasPrefix("."), partDate.utf8.count <= 64 else { return false }
        return partDate.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
        }
    }

    private func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// Why a part_date could not be resolved to a complete batch folder.
public enum PartDateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Not a folder name (a path, `..`, a hidden name, odd characters): the caller's mistake.
    case malformed(String)
    /// No complete folder of that name: it was never written, or its job has not finished.
    case missing(partDate: String, root: String)
    /// The directory holds no complete part_date at all.
    case noneComplete(root: String)

    public var description: String {
        switch self {
        case .malformed(let partDate):
            return "part_date \"\(partDate)\" is not a folder name (letters, digits, '-', '_', '.'; not starting with '.')"
        case .missing(let partDate, let root):
            return "\(root)/\(partDate): not a complete part_date (no such folder, or no _SUCCESS in it)"
        case .noneComplete(let root):
            return "\(root): no complete part_date (a folder with a _SUCCESS file)"
        }
    }
}
