import NIOConcurrencyHelpers
import NIOCore

/// A single-consumer queue between the event loop (producer) and a call's task (consumer).
///
/// `onConsume` runs (on the consumer's side) after each element is taken, so the producer can
/// reopen HTTP/2 flow control only as fast as the application reads.
private enum Immediate<Element> { case element(Element), end(Result<Void, any Error>), wait }

final class AsyncMessageQueue<Element: Sendable>: Sendable {
    private struct State {
        var buffer = CircularBuffer<Element>()
        var end: Result<Void, any Error>?
        var waiter: CheckedContinuation<Element?, any Error>?
    }

    private let state = NIOLockedValueBox(State())
    private let onConsume: (@Sendable (Element) -> Void)?

    init(onConsume: (@Sendable (Element) -> Void)? = nil) {
        self.onConsume = onConsume
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
        if let waiter {
            waiter.resume(returning: element)
            onConsume?(element)
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

    var bufferedCount: Int { state.withLockedValue { $0.buffer.count } }

    /// Consumer: the next element, nil at the end; throws the producer's error or on cancellation.
    func next() async throws -> Element? {
        let immediate: Immediate<Element> = state.withLockedValue { state in
            if let element = state.buffer.popFirst() { return .element(element) }
            if let end = state.end { return .end(end) }
            return .wait
        }
        switch immediate {
        case .element(let element):
            onConsume?(element)
            return element
        case .end(let end):
            try end.get()
            return nil
        case .wait:
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let resumeNow: Result<Element?, any Error>? = state.withLockedValue { state in
                        if let element = state.buffer.popFirst() { return .success(element) }
                        if let end = state.end { return end.map { nil } }
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiter = continuation
                        return nil
                    }
                    if let resumeNow {
                        if case .success(let element?) = resumeNow { onConsume?(element) }
                        continuation.resume(with: resumeNow)
                    }
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
