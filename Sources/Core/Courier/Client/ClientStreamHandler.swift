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
        case stream(AsyncMessageQueue<ByteBuffer>)
        /// Unary, on the event loop: the outcome handed to a closure there (no task to resume).
        case callback((Result<UnaryResponse<ByteBuffer>, any Error>) -> Void)
    }

    private(set) var stream: HTTP2Stream?
    let eventLoop: any EventLoop
    let metadata: CallMetadataBox
    private var delivery: Delivery
    private var deframer: GRPCMessageDeframer
    private var singleResponse: ByteBuffer?
    private var responseCount = 0
    private var receivedHeaders = false
    private var completed = false
    /// Where this call's deadline is registered, and its id there, until the call ends.
    private var deadlineRegistration: (deadlines: CallDeadlines, id: UInt64)?
    private var writes = WriteBackPressure()

    /// The caller retries a refused stream on another connection (unary calls); for the others a
    /// refusal is the call's UNAVAILABLE status.
    private let retriesTransparently: Bool

    init(eventLoop: any EventLoop, delivery: Delivery, maxReceiveMessageSize: Int, metadata: CallMetadataBox, retriesTransparently: Bool = false) {
        self.eventLoop = eventLoop
        self.retriesTransparently = retriesTransparently
        self.delivery = delivery
        self.deframer = GRPCMessageDeframer(maxMessageSize: maxReceiveMessageSize)
        self.metadata = metadata
    }

    /// Opens the stream; fails the call at once if the connection takes no new stream.
    func start(on session: HTTP2Session, headers: RequestHeaders, deadline: NIODeadline?, deadlines: CallDeadlines) {
        guard let stream = session.openStream(fixed: headers.fixed, headers: headers.perCall, delegate: self) else {
            complete(.failure(TransparentRetry(reason: session.closeReason)))
            return
        }
        self.stream = stream
        if let deadline { deadlineRegistration = (deadlines, deadlines.add(self, deadline: deadline)) }
    }

    func setSingleDelivery(_ continuation: CheckedContinuation<UnaryResponse<ByteBuffer>, any Error>) {
        if completed {
            // Already finished (e.g. failed while opening): deliver what we have.
            continuation.resume(with: finalSingleResult ?? .failure(RPCError(code: .internal, message: "call ended without a result")))
            return
        }
        delivery = .single(continuation)
    }

    private var finalSingleResult: Result<UnaryResponse<ByteBuffer>, any Error>?

    // MARK: Sending

    func write(_ framed: ByteBuffer, whenWritable waiter: CheckedContinuation<Void, any Error>?) {
        guard let stream, !completed, !stream.isClosed else {
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
        guard !completed else { return }
        stream?.reset(errorCode: HTTP2ErrorCode.cancel)
        complete(.failure(error))
    }

    /// Returns bytes the response queue owed to flow control, now that the caller has read.
    func returnWindow(_ byteCount: Int) {
        stream?.consume(byteCount)
    }

    // MARK: Receiving

    func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {
        guard !completed else { return }
        if !receivedHeaders {
            receivedHeaders = true
            let status = Int(headers.first(":status") ?? "") ?? 0
            if status != 200 {
                let code = headers.first("grpc-status").flatMap(Int.init).map(StatusCode.init(rawValue:)) ?? StatusCode.fromHTTPStatus(status)
                let message = headers.first("grpc-message").map(StatusMessageEncoding.decode) ?? "HTTP status \(status)"
                fail(RPCError(code: code == .ok ? .unknown : code, message: message))
                return
            }
            if let contentType = headers.first("content-type"), !contentType.hasPrefix("application/grpc") {
                fail(RPCError(code: .unknown, message: "the response has content-type '\(contentType)', not application/grpc"))
                return
            }
            if !endStream {
                metadata.setInitial(Metadata(headers: headers))
                return
            }
            // Trailers-Only (PROTOCOL-HTTP2.md): this one block is the trailers and carries the
            // status; there were no response headers, so initial metadata stays empty.
            metadata.setInitial(Metadata())
        }
        guard endStream else {
            fail(RPCError(code: .internal, message: "received a second header block that does not end the stream"))
            return
        }
        let trailing = Metadata(headers: headers)
        metadata.setTrailing(trailing)
        guard let code = headers.first("grpc-status").flatMap(Int.init).map(StatusCode.init(rawValue:)) else {
            fail(RPCError(code: .internal, message: "the response ended without grpc-status"))
            return
        }
        if deframer.hasPartialMessage {
            fail(RPCError(code: .internal, message: "the response ended inside a message (truncated message)"))
            return
        }
        if code == .ok {
            complete(.success(()))
        } else {
            let message = headers.first("grpc-message").map(StatusMessageEncoding.decode) ?? ""
            complete(.failure(RPCError(code: code, message: message, metadata: trailing)))
        }
    }

    func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) {
        guard !completed else {
            stream.consume(data.count)
            return
        }
        do {
            switch delivery {
            case .single, .callback:
                try deframer.append(data) { message in
                    responseCount += 1
                    singleResponse = message
                }
                stream.consume(data.count)
            case .stream(let queue):
                try deframer.append(data) { queue.yield($0) }
                stream.consume(queue.received(byteCount: data.count))
            }
        } catch {
            stream.consume(data.count)
            stream.reset(errorCode: HTTP2ErrorCode.cancel)
            fail(error)
        }
    }

    func streamReceivedEnd(_ stream: HTTP2Stream) {
        // END_STREAM on DATA: the server sent no trailers.
        if !completed { fail(RPCError(code: .internal, message: "the response ended without trailers (no grpc-status)")) }
    }

    func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) {
        endDeadline()
        // Unread responses' bytes also hold the connection's window: give them back.
        if case .stream(let queue) = delivery { stream.consume(queue.forgiveOwed()) }
        guard !completed else { return }
        switch errorCode {
        case HTTP2ErrorCode.refusedStream where !receivedHeaders:
            complete(.failure(TransparentRetry(reason: stream.session.closeReason)))
        case HTTP2ErrorCode.cancel:
            fail(RPCError(code: .cancelled, message: "the server cancelled the stream"))
        case HTTP2ErrorCode.noError where !receivedHeaders:
            fail(RPCError(code: .unavailable, message: "the stream closed before a response"))
        case HTTP2ErrorCode.internalError where stream.session.receivedGoAway == false:
            fail(RPCError(code: .unavailable, message: stream.session.closeReason ?? "the connection was lost"))
        default:
            fail(RPCError(code: .internal, message: "the stream was reset: \(HTTP2ErrorCode.name(errorCode))"))
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

    private var finalError: (any Error)?

    private func fail(_ error: RPCError) {
        complete(.failure(error))
    }

    private func complete(_ outcome: Result<Void, any Error>) {
        guard !completed else { return }
        completed = true
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
            if responseCount == 1, let message = singleResponse {
                return .success(UnaryResponse(message: message, initialMetadata: metadata.initial, trailingMetadata: metadata.trailing))
            }
            return .failure(RPCError(code: .internal, message: "expected one response message, received \(responseCount)"))
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
