import CourierHTTP2
import NIOCore

/// One gRPC call on the client, driven by its HTTP/2 stream: sends the request headers and
/// messages, reads response headers, messages and the status (PROTOCOL-HTTP2.md, "Responses"),
/// and enforces the deadline. Confined to the connection's event loop.
final class ClientStreamHandler: HTTP2StreamDelegate, DeadlineExpiring {
    /// How the call's outcome is delivered.
    // @unchecked: the continuation and the queue are Sendable; a `.callback` is made on the
    // connection's event loop (EventLoopUnaryCaller) and called there, never on another thread.
    enum Delivery: @unchecked Sendable {
        /// Unary and client-streaming: one response message with the status.
        case single(CheckedContinuation<UnaryResponse<ByteBuffer>, any Error>?)
        /// Server- and bidirectional-streaming: messages into a queue that ends with the status.
        case stream(AsyncMessageQueue<ReceivedMessage>)
        /// Unary, on the event loop: the outcome handed to a closure there (no task to resume).
        case callback((Result<UnaryResponse<ByteBuffer>, any Error>) -> Void)
    }

    // @exclusivity(unchecked) on these stored properties: the call is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    @exclusivity(unchecked) private(set) var stream: HTTP2Stream?
    let eventLoop: any EventLoop
    /// Where a streaming call's metadata is published for the caller's task to read; unary calls
    /// carry theirs in the response and need no box (two allocations per call saved).
    let publishedMetadata: CallMetadataBox?
    @exclusivity(unchecked) private var initialMetadata = Metadata()
    @exclusivity(unchecked) private var trailingMetadata = Metadata()
    @exclusivity(unchecked) private var delivery: Delivery
    @exclusivity(unchecked) private var call: ClientCallStateMachine
    /// Where this call's deadline is registered, and its id there, until the call ends.
    @exclusivity(unchecked) private var deadlineRegistration: (deadlines: CallDeadlines, id: UInt64)?
    @exclusivity(unchecked) private var writes = WriteBackPressure()

    /// The caller retries a refused stream on another connection (unary calls); for the others a
    /// refusal is the call's UNAVAILABLE status.
    private let retriesTransparently: Bool
    /// Told when response headers arrive, for a caller that may retry (committed from then on).
    private let headersArrived: ResponseHeadersFlag?

    init(
        eventLoop: any EventLoop, delivery: Delivery, maxReceiveMessageSize: Int, metadata: CallMetadataBox?, retriesTransparently: Bool = false,
        headersArrived: ResponseHeadersFlag? = nil
    ) {
        self.eventLoop = eventLoop
        self.retriesTransparently = retriesTransparently
        self.headersArrived = headersArrived
        self.delivery = delivery
        let singleResponse: Bool
        switch delivery {
        case .single, .callback: singleResponse = true
        case .stream: singleResponse = false
        }
        self.call = ClientCallStateMachine(singleResponse: singleResponse, maxMessageSize: maxReceiveMessageSize)
        self.publishedMetadata = metadata
    }

    /// Opens the stream; fails the call at once if the connection takes no new stream.
    func start(on session: HTTP2Session, headers: RequestHeaders, deadline: NIODeadline?, deadlines: CallDeadlines) {
        guard let stream = session.openStream(fixed: headers.fixed, headers: headers.perCall, delegate: self) else {
            _ = call.cancel()  // ended before it began: no stream to hear from
            complete(.failure(TransparentRetry(reason: session.closeReason)))
            return
        }
        self.stream = stream
        if let deadline { deadlineRegistration = (deadlines, deadlines.add(self, deadline: deadline)) }
    }

    func setSingleDelivery(_ continuation: CheckedContinuation<UnaryResponse<ByteBuffer>, any Error>) {
        if call.isCompleted {
            // Already finished (e.g. failed while opening): deliver what we have.
            continuation.resume(with: finalSingleResult ?? .failure(RPCError(code: .internal, message: "call ended without a result")))
            return
        }
        delivery = .single(continuation)
    }

    @exclusivity(unchecked) private var finalSingleResult: Result<UnaryResponse<ByteBuffer>, any Error>?

    // MARK: Sending

    func write(_ framed: ByteBuffer, whenWritable waiter: CheckedContinuation<Void, any Error>?) {
        guard let stream, !call.isCompleted, !stream.isClosed else {
            waiter?.resume(throwing: finalError ?? RPCError(code: .cancelled, message: "the call has ended"))
            return
        }
        stream.write(framed)
        writes.wrote(waiter, pending: stream.pendingOutboundBytes)
    }

    /// Half-closes: no more request messages.
    func finishRequests() {
        stream?.finish(trailers: nil)
    }

    func streamOutboundDrained(_ stream: HTTP2Stream) {
        writes.drained(pending: stream.pendingOutboundBytes)
    }

    /// Cancels the call: RST_STREAM(CANCEL) and the call fails with `error` (CANCELLED or
    /// DEADLINE_EXCEEDED). Nothing happens once the call has completed.
    func cancel(_ error: RPCError) {
        guard call.cancel() else { return }
        stream?.reset(errorCode: HTTP2ErrorCode.cancel)
        complete(.failure(error))
    }

    /// Returns bytes the response queue owed to flow control, now that the caller has read.
    func returnWindow(_ byteCount: Int) {
        stream?.consume(byteCount)
    }

    // MARK: Receiving

    func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {
        switch call.receiveHeaders(headers, endStream: endStream) {
        case .ignore:
            break
        case .initialMetadata(let initial):
            headersArrived?.set()
            setInitialMetadata(initial)
        case .end(let ending):
            if let initial = ending.initialMetadata { setInitialMetadata(initial) }
            if let trailing = ending.trailingMetadata {
                trailingMetadata = trailing
                publishedMetadata?.setTrailing(trailing)
            }
            complete(ending.status.map { .failure($0) } ?? .success(()))
        }
    }

    private func setInitialMetadata(_ initial: Metadata) {
        initialMetadata = initial
        publishedMetadata?.setInitial(initial)
    }

    func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) {
        let queue: AsyncMessageQueue<ReceivedMessage>?
        if case .stream(let streaming) = delivery { queue = streaming } else { queue = nil }
        switch call.receiveData(data, deliver: { queue?.yield($0) }) {
        case .ignored:
            stream.consume(data.count)
        case .accepted:
            // A streaming response's bytes are given back as the caller reads them.
            stream.consume(queue?.received(byteCount: data.count) ?? data.count)
        case .failed(let error):
            stream.consume(data.count)
            stream.reset(errorCode: HTTP2ErrorCode.cancel)
            complete(.failure(error))
        }
    }

    func streamReceivedEnd(_ stream: HTTP2Stream) {
        if let error = call.receiveEndWithoutTrailers() { complete(.failure(error)) }
    }

    func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) {
        endDeadline()
        // Unread responses' bytes also hold the connection's window: give them back.
        if case .stream(let queue) = delivery { stream.consume(queue.forgiveOwed()) }
        switch call.streamClosed(errorCode: errorCode, receivedGoAway: stream.session.receivedGoAway, closeReason: stream.session.closeReason) {
        case .none: break
        case .retryTransparently: complete(.failure(TransparentRetry(reason: stream.session.closeReason)))
        case .fail(let error): complete(.failure(error))
        }
    }

    // MARK: Completion

    private func endDeadline() {
        if let (deadlines, id) = deadlineRegistration { deadlines.remove(id) }
        deadlineRegistration = nil
    }

    func deadlineExpired() {
        deadlineRegistration = nil
        cancel(RPCError(code: .deadlineExceeded, message: "the deadline passed before the call completed"))
    }

    @exclusivity(unchecked) private var finalError: (any Error)?

    /// Delivers the outcome. Called right after the state machine ended the call, which it does
    /// once, so this runs once.
    private func complete(_ outcome: Result<Void, any Error>) {
        assert(call.isCompleted, "an outcome delivered before the state machine ended the call")
        endDeadline()
        var outcome = outcome
        if case .failure(let error as TransparentRetry) = outcome, !retriesTransparently {
            outcome = .failure(error.asStatus)
        }
        if case .failure(let error) = outcome { finalError = error }
        writes.fail(finalError ?? RPCError(code: .cancelled, message: "the call has ended"))
        switch delivery {
        case .single(let continuation):
            let result = singleResult(outcome)
            finalSingleResult = result
            delivery = .single(nil)
            continuation?.resume(with: result)
        case .callback(let deliver):
            delivery = .single(nil)
            deliver(singleResult(outcome))
        case .stream(let queue):
            switch outcome {
            case .success: queue.finish()
            case .failure(let error): queue.finish(throwing: error)
            }
        }
    }
}

extension ClientStreamHandler {
    /// A unary call's result: its one response with the metadata, or why there is none.
    fileprivate func singleResult(_ outcome: Result<Void, any Error>) -> Result<UnaryResponse<ByteBuffer>, any Error> {
        switch outcome {
        case .failure(let error): return .failure(error)
        case .success:
            guard let message = call.singleResponseMessage else {
                return .failure(RPCError(code: .internal, message: "the call ended without its response message"))
            }
            return .success(UnaryResponse(
                message: message.bytes, initialMetadata: initialMetadata, trailingMetadata: trailingMetadata,
                messageWasCompressed: message.compressed))
        }
    }
}

/// The stream was refused before the server processed it (REFUSED_STREAM, GOAWAY, or no stream
/// id left): safe to retry on another connection (gRPC's transparent retry).
struct TransparentRetry: Error {
    /// Why the connection refused it, when known (e.g. the peer does not speak HTTP/2).
    var reason: String?

    var asStatus: RPCError {
        RPCError(code: .unavailable, message: reason ?? "the server refused the stream before processing it (REFUSED_STREAM or GOAWAY)")
    }
}
