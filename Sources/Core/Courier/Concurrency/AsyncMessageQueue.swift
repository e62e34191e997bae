import NIOConcurrencyHelpers
import NIOCore

private enum Immediate<Element> { case element(Element), end(Result<Void, any Error>), wait }

/// A single-consumer queue between the event loop (producer) and a call's task (consumer) that
/// also keeps the receive side of HTTP/2 flow control, so the peer sends only as fast as the
/// application reads.
///
/// The DATA bytes that carried the elements go back to the peer's window at once while fewer
/// than `highWater` elements wait unread; past that they are owed, and `repay` is called (on the
/// consumer's side) once the consumer has read the queue below `lowWater`. Owing and repaying
/// happen under the queue's lock, so a repayment cannot be missed; whatever is still owed when
/// the stream ends comes back from `forgiveOwed()`, because those bytes also hold the
/// connection's window.
final class AsyncMessageQueue<Element: Sendable>: Sendable {
    static var highWater: Int { 32 }
    static var lowWater: Int { 8 }

    private struct State {
        var buffer = CircularBuffer<Element>()
        var end: Result<Void, any Error>?
        var waiter: CheckedContinuation<Element?, any Error>?
        var owedBytes = 0
    }

    private let state = NIOLockedValueBox(State())
    private let repay: @Sendable (Int) -> Void

    /// `repay` returns owed bytes to flow control; it must hop to the event loop itself.
    init(repay: @escaping @Sendable (Int) -> Void) {
        self.repay = repay
    }

    /// Producer: adds an element (ignored after `finish`).
    func yield(_ element: Element) {
        let waiter: CheckedContinuation<Element?, any Error>? = state.withLockedValue { state in
            guard state.end == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffer.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    /// Producer: `byteCount` DATA bytes arrived (after their elements were yielded). Returns how
    /// many to give back to flow control now; the rest are owed until the consumer catches up.
    func received(byteCount: Int) -> Int {
        state.withLockedValue { state in
            if state.buffer.count < Self.highWater && state.owedBytes == 0 { return byteCount }
            state.owedBytes += byteCount
            return 0
        }
    }

    /// Producer, when the stream ends: the bytes still owed, which are no longer owed to anyone
    /// (the caller gives them back to the connection's window).
    func forgiveOwed() -> Int {
        state.withLockedValue { state in
            defer { state.owedBytes = 0 }
            return state.owedBytes
        }
    }

    /// Producer: no more elements; the consumer sees the buffered ones, then the end or `error`.
    func finish(throwing error: (any Error)? = nil) {
        let waiter: CheckedContinuation<Element?, any Error>? = state.withLockedValue { state in
            guard state.end == nil else { return nil }
            state.end = error.map { .failure($0) } ?? .success(())
            defer { state.waiter = nil }
            return state.waiter
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    /// Takes the first buffered element and, when the queue is low enough, what is owed.
    private static func pop(_ state: inout State) -> (Element, repay: Int)? {
        guard let element = state.buffer.popFirst() else { return nil }
        var repay = 0
        if state.owedBytes > 0 && state.buffer.count < lowWater {
            repay = state.owedBytes
            state.owedBytes = 0
        }
        return (element, repay)
    }

    /// Consumer: the next element if one has already arrived, without waiting; nil when none is
    /// buffered (the stream may or may not have ended: `next()` tells).
    func nextBuffered() -> Element? {
        let popped = state.withLockedValue { Self.pop(&$0) }
        guard let (element, owed) = popped else { return nil }
        if owed > 0 { repay(owed) }
        return element
    }

    /// Consumer: the next element, nil at the end; throws the producer's error or on cancellation.
    func next() async throws -> Element? {
        var owed = 0
        let immediate: Immediate<Element> = state.withLockedValue { state in
            if let (element, repay) = Self.pop(&state) {
                owed = repay
                return .element(element)
            }
            if let end = state.end { return .end(end) }
            return .wait
        }
        switch immediate {
        case .element(let element):
            if owed > 0 { repay(owed) }
            return element
        case .end(let end):
            try end.get()
            return nil
        case .wait:
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let resumeNow: Result<Element?, any Error>? = state.withLockedValue { state in
                        if let (element, repay) = Self.pop(&state) {
                            owed = repay
                            return .success(element)
                        }
                        if let end = state.end { return end.map { nil } }
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiter = continuation
                        return nil
                    }
                    if owed > 0 { repay(owed) }
                    if let resumeNow { continuation.resume(with: resumeNow) }
                }
            } onCancel: {
                let waiter = state.withLockedValue { state -> CheckedContinuation<Element?, any Error>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }
}
