import Courier
import Synchronization

/// The batch a service answers from. A new part_date is loaded beside the active one and swapped
/// in with one pointer store, so calls in flight finish on the batch they started with and no call
/// ever sees half of a load.
public final class ActiveBatch<Batch: PartDateBatch>: Sendable {
    private let current: Mutex<Batch?>

    public init(_ batch: Batch? = nil) { current = Mutex(batch) }

    public var batch: Batch? { current.withLock { $0 } }

    /// Makes `batch` active; returns the one it replaced.
    @discardableResult
    public func activate(_ batch: Batch) -> Batch? {
        current.withLock { current in
            defer { current = batch }
            return current
        }
    }

    /// Loads a part_date (empty: the newest complete one) from `directory`, off the caller's
    /// thread, and makes it active. Returns it and the batch it replaced. A service without a data
    /// directory, or a part_date that is missing, incomplete or unreadable, is FAILED_PRECONDITION.
    public func load(_ partDate: String, from directory: PartDateDirectory?, service: String) async throws -> (loaded: Batch, previous: Batch?) {
        guard let directory else {
            throw RPCError(code: .failedPrecondition, message: "this \(service) service has no data directory")
        }
        let loaded: Batch
        do {
            // Loading takes a while; keep it off the connection's event loop.
            loaded = try await Task.detached { try Batch.load(partDate, from: directory) }.value
        } catch {
            throw RPCError(code: .failedPrecondition, message: "\(error)")
        }
        return (loaded, activate(loaded))
    }
}
