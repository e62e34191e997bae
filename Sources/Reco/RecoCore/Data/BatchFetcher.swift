/// Where a service's daily batches come from when they are not written straight into its data
/// directory: a shared engine such as PostgreSQL. A fetcher copies a complete part_date into the
/// local `PartDateDirectory` (marker last), and the service then loads it from there with the same
/// validation as any batch folder.
public protocol BatchFetcher: Sendable {
    /// Copies `partDate` (empty: the newest complete one at the source) into the local directory,
    /// replacing an older copy, and returns its name. Throws `PartDateError` for a malformed or
    /// missing part_date, and any other error when the source cannot be reached or read.
    func fetch(_ partDate: String) async throws -> String
}
