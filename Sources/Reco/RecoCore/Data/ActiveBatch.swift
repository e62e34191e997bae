import Courier
import Logging
import NIOPosix
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
    /// thread, and makes it active. Returns it and the batch it replaced. On failure the active
    /// batch keeps serving, the failure is logged at error, and the status says whose fault it is:
    /// INVALID_ARGUMENT for a malformed part_date, NOT_FOUND for one that is not there (or not
    /// complete), FAILED_PRECONDITION for a batch whose files are bad (naming file, line and
    /// field), a service without a data directory, or a batch source (`PartDateDirectory.fetcher`)
    /// that cannot be reached.
    public func load(_ partDate: String, from directory: PartDateDirectory?, service: String,
                     logger: Logger) async throws -> (loaded: Batch, previous: Batch?) {
        do {
            guard let directory else {
                throw RPCError(code: .failedPrecondition, message: "this \(service) service has no data directory")
            }
            let loaded: Batch
            do {
                var partDate = partDate
                if let fetcher = directory.fetcher {
                    do {
                        partDate = try await fetcher.fetch(partDate)
                    } catch let error as PartDateError {
                        throw error
                    } catch {
                        // The source is down or unreadable: not the caller's fault, and not retryable at once.
                        throw RPCError(code: .failedPrecondition, message: "fetching the batch: \(error)")
                    }
                }
                // Loading is seconds of CPU: on NIO's blocking pool, neither on an event loop nor on
                // one of the cooperative pool's threads, which every handler's task shares.
                loaded = try await NIOThreadPool.singleton.runIfActive { [partDate] in try Batch.load(partDate, from: directory) }
            } catch let error as RPCError {
                throw error
            } catch let error as PartDateError {
                switch error {
                case .malformed: throw RPCError(code: .invalidArgument, message: "part_date: \(error)")
                case .missing, .noneComplete: throw RPCError(code: .notFound, message: "\(error)")
                }
            } catch {
                throw RPCError(code: .failedPrecondition, message: "\(error)")
            }
            return (loaded, activate(loaded))
        } catch let error as RPCError {
            logger.error("part_date load failed; the active batch keeps serving", metadata: [
                "service": "\(service)", "part_date": "\(partDate)", "active": "\(batch?.partDate ?? "none")",
                "code": "\(error.code)", "error": "\(error.message)",
            ])
            throw error
        }
    }
}
