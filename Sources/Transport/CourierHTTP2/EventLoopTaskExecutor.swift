import NIOCore

/// Runs Swift tasks on a SwiftNIO event loop, so a call handler started for a connection runs on
/// that connection's thread: no hop to the global executor and back for each call.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the only state is the immutable reference to a thread-safe EventLoop.
    /// The loop jobs run on.
    public let eventLoop: any EventLoop

    /// An executor running jobs on `eventLoop`.
    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `job` on the loop: now when already there, else soon.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
