import NIOCore

/// Runs Swift tasks on a SwiftNIO event loop, so a call handler started for a connection runs on
/// that connection's thread: no hop to the global executor and back for each call.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the only state is the immutable reference to a thread-safe EventLoop.
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
