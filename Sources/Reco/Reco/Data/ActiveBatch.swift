import Synchronization

/// The batch a service answers from. A new part_date is loaded beside the active one and swapped
/// in with one pointer store, so calls in flight finish on the batch they started with and no call
/// ever sees half of a load.
public final class ActiveBatch<Batch: Sendable & AnyObject>: Sendable {
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
}
