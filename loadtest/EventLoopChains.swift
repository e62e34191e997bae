@_spi(Benchmarking) import Courier
import NIOCore

/// The closed loop on the connections' own event loops: each connection keeps `streams` calls in
/// flight, and a finished call starts the next one right there, in its completion. No Swift task
/// or continuation per call, as h2load drives nghttp2 from its callbacks: the client costs little
/// enough that the server, not loadtest, is what gets measured.
struct EventLoopChains: Sendable {
    let callers: [EventLoopUnaryCaller]
    let method: MethodDescriptor
    let framedRequest: ByteBuffer
    let options: CallOptions
    let streams: Int

    /// Runs until `next` answers nil (the count or the duration is reached); `next` gives the
    /// start time to charge the call from and whether it is measured. `done` gets each outcome.
    func run(
        next: @escaping @Sendable () -> (start: ContinuousClock.Instant, measured: Bool)?,
        done: @escaping @Sendable (ContinuousClock.Instant, Bool, Result<UnaryResponse<ByteBuffer>, any Error>) -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            for caller in callers {
                group.addTask {
                    await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                        caller.eventLoop.execute {
                            let chains = Chains(caller: caller, load: self, next: next, done: done, finished: finished)
                            for _ in 0..<streams { chains.startNext() }
                        }
                    }
                }
            }
        }
    }

    /// The chains of one connection; used only on its event loop.
    private final class Chains: @unchecked Sendable {
        let caller: EventLoopUnaryCaller
        let load: EventLoopChains
        let next: @Sendable () -> (start: ContinuousClock.Instant, measured: Bool)?
        let done: @Sendable (ContinuousClock.Instant, Bool, Result<UnaryResponse<ByteBuffer>, any Error>) -> Void
        let finished: CheckedContinuation<Void, Never>
        var running: Int

        init(caller: EventLoopUnaryCaller, load: EventLoopChains,
             next: @escaping @Sendable () -> (start: ContinuousClock.Instant, measured: Bool)?,
             done: @escaping @Sendable (ContinuousClock.Instant, Bool, Result<UnaryResponse<ByteBuffer>, any Error>) -> Void,
             finished: CheckedContinuation<Void, Never>) {
            self.caller = caller
            self.load = load
            self.next = next
            self.done = done
            self.finished = finished
            self.running = load.streams
        }

        func startNext() {
            guard let (start, measured) = next() else {
                running -= 1
                if running == 0 { finished.resume() }
                return
            }
            caller.call(load.method, framedRequest: load.framedRequest, options: load.options) { [self] result in
                done(start, measured, result)
                if case .success = result {
                    startNext()
                } else {
                    // A failure may arrive inside `call` itself: start the next one from the loop, not
                    // recursively, or a dead connection would grow the stack call by call.
                    caller.eventLoop.execute { self.startNext() }
                }
            }
        }
    }
}
