/// Back-pressure on a call's writes, for the server's and the client's stream handlers alike: a
/// writer that leaves more than `highWater` bytes waiting on its stream is suspended until they
/// drain below half of it, so a fast writer cannot pile up a slow reader's bytes in memory.
struct WriteBackPressure {
    /// Bytes waiting on a stream above which a writer waits.
    static let highWater = 64 << 10
    private var waiter: CheckedContinuation<Void, any Error>?

    /// After a write that left `pending` bytes waiting: resumes `waiter` now, or holds it.
    mutating func wrote(_ waiter: CheckedContinuation<Void, any Error>?, pending: Int) {
        guard let waiter else { return }
        if pending < Self.highWater { waiter.resume() } else { self.waiter = waiter }
    }

    /// The stream sent some of its bytes: a held writer resumes once fewer than half the mark wait.
    mutating func drained(pending: Int) {
        if let waiter, pending < Self.highWater / 2 {
            self.waiter = nil
            waiter.resume()
        }
    }

    /// The call ended: a held writer gets `error` (made only when there is one: an error boxed
    /// for every call that ends was one allocation per call).
    mutating func fail(_ error: @autoclosure () -> any Error) {
        if let waiter {
            self.waiter = nil
            waiter.resume(throwing: error())
        }
    }
}
