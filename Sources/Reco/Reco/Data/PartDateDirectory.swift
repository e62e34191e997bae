import Foundation

/// A folder of daily batches: one subfolder per part_date (e.g. `2026-11-22`), complete once it
/// holds a `_SUCCESS` marker (written last by the batch job, as Hadoop/Spark jobs do). See
/// docs/data-format.md.
public struct PartDateDirectory: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// Complete part_dates, oldest first.
    public func completePartDates() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/_SUCCESS") }.sorted()
    }

    /// The folder of `partDate`, or of the newest complete one when `partDate` is empty.
    public func resolve(_ partDate: String) throws -> (partDate: String, path: String) {
        if partDate.isEmpty {
            guard let newest = completePartDates().last else {
                throw ConfigurationError("\(root): no complete part_date (a folder with a _SUCCESS file)")
            }
            return (newest, "\(root)/\(newest)")
        }
        guard !partDate.contains("/"), !partDate.hasPrefix(".") else {
            throw ConfigurationError("part_date \"\(partDate)\" is not a folder name")
        }
        guard FileManager.default.fileExists(atPath: "\(root)/\(partDate)/_SUCCESS") else {
            throw ConfigurationError("\(root)/\(partDate): not a complete part_date (no _SUCCESS)")
        }
        return (partDate, "\(root)/\(partDate)")
    }
}
