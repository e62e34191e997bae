import CourierHTTP2
import NIOConcurrencyHelpers
import NIOCore

/// One call of an `InProcessTransport`: the client's side (`ClientCallIO`) and the server's
/// (`ServerCallResponder`) are the same object, and the state both sides share sits under one
/// lock. It keeps the rules an HTTP/2 call keeps, so a service answers alike over both: one
/// request for a method that takes one, one response for a caller that wants one, the size limits
/// of both ends, the deadline, cancellation both ways, the handler's metadata (Trailers-Only
/// folding included), and back-pressure: a writer waits while its reader has 32 messages unread.
final class InProcessCall: ClientCallIO, ServerCallResponder {
    let context: ServerContext
    /// A streaming call's metadata, published for the caller's task.
    let metadata: CallMetadataBox?
    private let core: ServerCore
    private let handler: MethodHandler
    /// The requests, for a handler that reads a stream of them.
    private let requests: AsyncMessageQueue<ReceivedMessage>?
    /// The responses, for a caller that reads a stream of them.
    let responses: AsyncMessageQueue<ReceivedMessage>?
    private let maxResponseSize: Int
    /// Where the handler's task runs after it first suspends.
    private let executor: EventLoopTaskExecutor?
    private let state = NIOLockedValueBox(State())

    private struct State {
        var ended = false
        /// How the call ended, for a caller that wants its single response.
        var outcome: Result<UnaryResponse<ByteBuffer>, any Error>?
        var singleWaiter: CheckedContinuation<UnaryResponse<ByteBuffer>, any Error>?
        /// A handler taking one request: what the caller has sent so far.
        var pendingRequest: ReceivedMessage?
        var requestCount = 0
        /// Responses the handler sent; the first (for a caller that wants one).
        var responseCount = 0
        var firstResponse: ReceivedMessage?
        /// The handler's initial metadata, read when its first response went out.
        var initialMetadata: Metadata?
        /// Writers waiting for their reader, and credit from a reader that caught up before they waited.
        var requestWriter: CheckedContinuation<Void, any Error>?
        var requestCredit = false
        var responseWriter: CheckedContinuation<Void, any Error>?
        var responseCredit = false
        var task: Task<Void, Never>?
        var timer: Scheduled<Void>?
        var handlerStarted: ContinuousClock.Instant?
        /// The status the caller sees once the call has ended (nil: OK).
        var finalError: RPCError?
    }

    init(core: ServerCore, handler: MethodHandler, context: ServerContext, streamsResponses: Bool, maxResponseSize: Int,
         executor: EventLoopTaskExecutor?) {
        self.core = core
        self.executor = executor
        self.handler = handler
        self.context = context
        self.maxResponseSize = maxResponseSize
        self.metadata = streamsResponses ? CallMetadataBox() : nil
        // The queues tell this call when their reader caught up; the call is set right after init.
        let target = CallTarget()
        self.requests = handler.method.kind.clientStreams ? AsyncMessageQueue { _ in target.call?.readerCaughtUp(requests: true) } : nil
        self.responses = streamsResponses ? AsyncMessageQueue { _ in target.call?.readerCaughtUp(requests: false) } : nil
        target.call = self
    }

    /// Starts the handler now if it reads a request stream; otherwise it starts at `finishRequests`.
    /// With a deadline, the call ends with DEADLINE_EXCEEDED when it passes. `requestFollowsAtOnce`:
    /// the caller sends its one request and half-closes right away (a unary exchange).
    func start(deadline: NIODeadline?, on eventLoop: any EventLoop, requestFollowsAtOnce: Bool) {
        // A handler that answers without suspending, given its request at once, is done before
        // any timer could fire. A caller that sends its request later still needs the timer.
        let answersAtOnce = requestFollowsAtOnce && handler.answerImmediately != nil && core.interceptors.isEmpty && requests == nil
        if let deadline, !answersAtOnce {
            let timer = eventLoop.scheduleTask(deadline: deadline) { [self] in
                end(RPCError(code: .deadlineExceeded, message: "the deadline passed before the call completed"), stopHandler: true)
            }
            let ended = state.withLockedValue { state in
                if !state.ended { state.timer = timer }
                return state.ended
            }
            if ended { timer.cancel() }
        }
        if let requests { runHandler(ServerCall(context: context, responder: self, singleRequest: nil, requests: requests, framing: core.framing)) }
    }

    private func runHandler(_ call: ServerCall) {
        if !core.observers.isEmpty { state.withLockedValue { $0.handlerStarted = .now } }
        let task = core.startHandler(handler, call: call, executor: executor)
        let ended = state.withLockedValue { state in
            if !state.ended { state.task = task }
            return state.ended
        }
        if ended { task.cancel() }
    }

    // MARK: The client's side

    func write(framed: ByteBuffer) async throws {
        let message: ReceivedMessage
        do {
            message = try Self.unframe(framed, limit: core.configuration.maxReceiveMessageSize, compression: context.requestCompression)
        } catch {
            end(error, stopHandler: true)
            throw error
        }
        guard let requests else {
            // A handler that takes one request: kept until the caller half-closes.
            let count: Result<Int, RPCError> = state.withLockedValue { state in
                if state.ended { return .failure(state.finalError ?? Self.ended) }
                state.requestCount += 1
                if state.requestCount == 1 { state.pendingRequest = message }
                return .success(state.requestCount)
            }
            if try count.get() > 1 {
                end(RPCError(code: .internal, message: "\(handler.method.kind) call received more than one request message"), stopHandler: true)
            }
            return
        }
        if let failure = state.withLockedValue({ $0.ended ? ($0.finalError ?? Self.ended) : nil }) { throw failure }
        requests.yield(message)
        guard requests.received(byteCount: 1) == 0 else { return }
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            let resume: Result<Void, RPCError>? = state.withLockedValue { state in
                if state.ended { return .failure(state.finalError ?? Self.ended) }
                if state.requestCredit { state.requestCredit = false; return .success(()) }
                state.requestWriter = waiter
                return nil
            }
            if let resume { waiter.resume(with: resume) }
        }
    }

    func finishRequests() {
        if let requests {
            requests.finish()
            return
        }
        let (request, count, ended) = state.withLockedValue { state in
            defer { state.pendingRequest = nil }
            return (state.pendingRequest, state.requestCount, state.ended)
        }
        guard !ended, count == 1, let request else {
            if !ended && count == 0 {
                end(RPCError(code: .internal, message: "the client half-closed without sending a request message"), stopHandler: false)
            }
            return
        }
        if request.compressed { context.markRequestCompressed() }
        if let answer = handler.answerImmediately, core.interceptors.isEmpty {
            answerImmediately(answer, request: request.bytes)
        } else {
            runHandler(ServerCall(context: context, responder: self, singleRequest: request.bytes, requests: nil, framing: core.framing))
        }
    }

    /// A handler that answers without suspending: called here, no task.
    private func answerImmediately(_ answer: MethodHandler.ImmediateAnswer, request: ByteBuffer) {
        if !core.observers.isEmpty { state.withLockedValue { $0.handlerStarted = .now } }
        do {
            send(framed: try answer(request, context, core.framing), whenWritable: nil)
            handlerFinished(nil)
        } catch {
            handlerFinished(RPCError(reporting: error))
        }
    }

    func cancel(_ error: RPCError) {
        end(error, stopHandler: true)
    }

    func singleResponse() async throws -> UnaryResponse<ByteBuffer> {
        try await withCheckedThrowingContinuation { waiter in
            let outcome: Result<UnaryResponse<ByteBuffer>, any Error>? = state.withLockedValue { state in
                if let outcome = state.outcome { return outcome }
                state.singleWaiter = waiter
                return nil
            }
            if let outcome { waiter.resume(with: outcome) }
        }
    }

    // MARK: The server's side

    func send(framed: ByteBuffer, whenWritable waiter: CheckedContinuation<Void, any Error>?) {
        let message: ReceivedMessage
        do {
            message = try Self.unframe(framed, limit: maxResponseSize, compression: context.outgoingCompression)
        } catch {
            waiter?.resume(throwing: Self.ended)
            end(error, stopHandler: true)
            return
        }
        // nil: refused (the call has ended); otherwise the initial metadata, if this is the first response.
        let accepted: Metadata?? = state.withLockedValue { state in
            if state.ended { return nil }
            state.responseCount += 1
            guard state.responseCount == 1 else { return .some(nil) }
            let initial = context.initialMetadata
            state.initialMetadata = initial
            state.firstResponse = message
            return initial
        }
        guard let initial = accepted else {
            waiter?.resume(throwing: Self.ended)
            return
        }
        guard let responses else {
            waiter?.resume()
            return
        }
        if let initial { metadata?.setInitial(initial) }
        responses.yield(message)
        guard let waiter else { return }
        if responses.received(byteCount: 1) > 0 {
            waiter.resume()
            return
        }
        let resume: Result<Void, RPCError>? = state.withLockedValue { state in
            if state.ended { return .failure(Self.ended) }
            if state.responseCredit { state.responseCredit = false; return .success(()) }
            state.responseWriter = waiter
            return nil
        }
        if let resume { waiter.resume(with: resume) }
    }

    func handlerFinished(_ error: RPCError?) {
        core.observe(context, status: error, startedAt: state.withLockedValue { $0.handlerStarted })
        end(error, stopHandler: false)
    }

    /// A reader got below its queue's low-water mark: its writer, if waiting, goes on.
    private func readerCaughtUp(requests: Bool) {
        let writer: CheckedContinuation<Void, any Error>? = state.withLockedValue { state in
            if requests {
                if let writer = state.requestWriter { state.requestWriter = nil; return writer }
                state.requestCredit = true
            } else {
                if let writer = state.responseWriter { state.responseWriter = nil; return writer }
                state.responseCredit = true
            }
            return nil
        }
        writer?.resume()
    }

    // MARK: Ending

    private static let ended = RPCError(code: .cancelled, message: "the call has ended")

    /// Ends the call once with OK (`error` nil) or `error`: the caller gets the outcome, waiting
    /// writers are released, and with `stopHandler` the handler is cancelled.
    private func end(_ error: RPCError?, stopHandler: Bool) {
        let (ended, state) = self.state.withLockedValue { state -> (Bool, State) in
            if state.ended { return (true, state) }
            state.ended = true
            let snapshot = state
            state.requestWriter = nil
            state.responseWriter = nil
            state.task = nil
            state.timer = nil
            state.firstResponse = nil
            state.pendingRequest = nil
            return (false, snapshot)
        }
        guard !ended else { return }
        state.timer?.cancel()
        if stopHandler {
            context.markCancelled()
            state.task?.cancel()
        }
        requests?.finish(throwing: stopHandler ? CancellationError() : nil)
        state.requestWriter?.resume(throwing: error ?? Self.ended)
        state.responseWriter?.resume(throwing: Self.ended)

        // The metadata the caller sees: as an HTTP/2 client would, a call that sent no response
        // answered Trailers-Only, so its initial metadata comes within the trailers.
        var trailing = context.trailingMetadata(with: error)
        let initial: Metadata
        if let sent = state.initialMetadata {
            initial = sent
        } else {
            var folded = context.initialMetadata
            for (key, value) in trailing { folded.append(key, value) }
            trailing = folded
            initial = Metadata()
        }
        var status = error.map { RPCError(code: $0.code, message: $0.message, metadata: trailing) }
        if status == nil && responses == nil && state.responseCount != 1 {
            status = RPCError(code: .internal, message: "expected one response message, received \(state.responseCount)", metadata: trailing)
        }
        self.state.withLockedValue { $0.finalError = status }

        if let responses {
            metadata?.setInitial(initial)
            metadata?.setTrailing(trailing)
            responses.finish(throwing: status)
            return
        }
        let outcome: Result<UnaryResponse<ByteBuffer>, any Error>
        if let status {
            outcome = .failure(status)
        } else {
            outcome = .success(UnaryResponse(
                message: state.firstResponse?.bytes ?? ByteBuffer(), initialMetadata: initial, trailingMetadata: trailing,
                messageWasCompressed: state.firstResponse?.compressed ?? false))
        }
        let waiter: CheckedContinuation<UnaryResponse<ByteBuffer>, any Error>? = self.state.withLockedValue { state in
            state.outcome = outcome
            defer { state.singleWaiter = nil }
            return state.singleWaiter
        }
        waiter?.resume(with: outcome)
    }

    /// The message inside a framed buffer (a slice, not a copy, unless it was compressed with
    /// `compression`), within `limit`.
    private static func unframe(_ framed: ByteBuffer, limit: Int, compression: CompressionAlgorithm) throws(RPCError) -> ReceivedMessage {
        let length = framed.readableBytes - 5
        guard length >= 0 else { throw RPCError(code: .internal, message: "a message without its 5-byte prefix") }
        guard length <= limit else {
            throw RPCError(code: .resourceExhausted, message: "received a message of \(length) bytes, larger than the limit of \(limit)")
        }
        let body = framed.getSlice(at: framed.readerIndex + 5, length: length)!
        guard framed.getInteger(at: framed.readerIndex, as: UInt8.self) == 1 else { return ReceivedMessage(bytes: body) }
        guard compression.compresses else {
            throw RPCError(code: .internal, message: "received a compressed message but grpc-encoding names no compression")
        }
        let bytes = try MessageCompression.decompress(body, with: compression, limit: limit, allocator: ByteBufferAllocator())
        return ReceivedMessage(bytes: bytes, compressed: true)
    }
}

/// Lets a call's queues reach the call without owning it (the call owns them).
private final class CallTarget: @unchecked Sendable {
    // Set once, right after the call's init and before the call is shared.
    weak var call: InProcessCall?
}
