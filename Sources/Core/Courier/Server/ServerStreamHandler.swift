import CourierHTTP2
import NIOCore

/// One gRPC call on the server, driven by its HTTP/2 stream: the adapter between the stream, the
/// handler's task and `ServerCallStateMachine`, which holds the protocol's rules. This class does
/// the I/O those rules call for: routing, overload protection, starting the handler, writing to
/// the stream, the deadline. Confined to the event loop.
final class ServerStreamHandler: HTTP2StreamDelegate, DeadlineExpiring {
    let stream: HTTP2Stream
    let eventLoop: any EventLoop
    private let core: ServerCore
    private let executor: EventLoopTaskExecutor
    private let remoteAddress: SocketAddress?
    // @exclusivity(unchecked) on these stored properties: the call is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    @exclusivity(unchecked) private var call: ServerCallStateMachine
    @exclusivity(unchecked) private var handler: MethodHandler?
    @exclusivity(unchecked) private var context: ServerContext?
    @exclusivity(unchecked) private var requestQueue: AsyncMessageQueue<ReceivedMessage>?
    @exclusivity(unchecked) private var task: Task<Void, Never>?
    /// The loop's deadlines, and this call's id there until the call ends.
    private let deadlines: CallDeadlines
    @exclusivity(unchecked) private var deadlineId: UInt64?
    @exclusivity(unchecked) private var writes = WriteBackPressure()
    /// The overload protection's hold on this call, given back when the stream closes.
    @exclusivity(unchecked) private var admissionTicket: AdmissionControl.Ticket?
    /// When the handler started, for the observers (set only when there are some).
    @exclusivity(unchecked) private var handlerStarted: ContinuousClock.Instant?

    init(stream: HTTP2Stream, eventLoop: any EventLoop, core: ServerCore, executor: EventLoopTaskExecutor, deadlines: CallDeadlines,
         remoteAddress: SocketAddress?) {
        self.deadlines = deadlines
        self.stream = stream
        self.eventLoop = eventLoop
        self.core = core
        self.executor = executor
        self.remoteAddress = remoteAddress
        self.call = ServerCallStateMachine(maxMessageSize: core.configuration.maxReceiveMessageSize, allocator: core.allocator)
    }

    // MARK: Request headers

    func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {
        switch call.receiveHeaders(endStream: endStream) {
        case .ignore:
            return
        case .endOfRequests(let action):
            perform(action)
        case .validate:
            if let (httpStatus, error) = route(headers) {
                call.reject()
                stream.sendTrailersOnly(ServerResponseFields.rejection(httpStatus: httpStatus, error))
                return
            }
            if endStream { perform(call.receiveEnd()) }
        }
    }

    /// Checks the request, routes it and admits it; returns the HTTP status and error to refuse with.
    private func route(_ headers: [HTTP2Header]) -> (Int, RPCError)? {
        if stream.headerListTooLarge {
            return (200, RPCError(code: .resourceExhausted, message: "request headers exceed \(core.configuration.http2.maxHeaderListSize) bytes"))
        }
        // Answers already waiting for this peer (or for all peers) fill the budget: take no more work.
        if !stream.session.canBuffer(1) {
            return (200, RPCError(code: .resourceExhausted, message: "too many response bytes are waiting for their readers; read them first"))
        }
        let head: ServerRequestHead
        switch ServerRequestHead.parse(headers) {
        case .success(let parsed): head = parsed
        case .failure(let rejection): return (rejection.httpStatus, rejection.error)
        }
        guard let handler = core.router.handler(for: head.path) else {
            return (200, core.router.unimplemented(head.path))
        }
        let deadline = head.timeout.map { NIODeadline.now() + $0 }
        let instant = head.timeout.map { ContinuousClock.now + $0.duration }
        // Overload protection, before any work: unary calls only (a stream's lifetime is not a
        // service time, and a long-lived one would hold a slot).
        if let admission = core.admission, handler.method.kind == .unary {
            switch admission.admit(path: head.path, timeRemaining: head.timeout?.duration, critical: head.critical) {
            case .success(let ticket):
                admissionTicket = ticket
            case .failure(let refusal):
                var error = refusal.error
                if let pushback = refusal.pushbackMilliseconds { error.metadata.add("grpc-retry-pushback-ms", String(pushback)) }
                return (200, error)
            }
        }
        let context = ServerContext(
            method: handler.method, requestHeaders: headers, deadline: instant, remoteAddress: remoteAddress,
            requestCompression: head.encoding, acceptedEncodings: head.acceptedEncodings,
            responseCompression: core.configuration.responseCompression)
        self.handler = handler
        self.context = context
        if let deadline { deadlineId = deadlines.add(self, deadline: deadline) }
        if call.accept(kind: handler.method.kind, encoding: head.encoding) { startHandler(singleRequest: nil) }
        return nil
    }

    // MARK: Request messages

    func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) {
        let outcome = call.receiveData(data) { requestQueue?.yield($0) }
        switch outcome {
        case .ignored:
            stream.consume(data.count)
        case .failed(let error):
            stream.consume(data.count)
            fail(error)
        case .accepted:
            // A streaming request's bytes are given back as its handler reads them.
            stream.consume(requestQueue?.received(byteCount: data.count) ?? data.count)
        }
    }

    func streamReceivedEnd(_ stream: HTTP2Stream) {
        perform(call.receiveEnd())
    }

    private func perform(_ action: ServerCallStateMachine.EndAction) {
        switch action {
        case .none: break
        case .startHandler(let request): startHandler(singleRequest: request)
        case .finishRequests: requestQueue?.finish()
        case .fail(let error): fail(error)
        }
    }

    // MARK: Running the handler

    private func startHandler(singleRequest received: ReceivedMessage?) {
        guard let handler, let context else { return }
        if received?.compressed == true { context.markRequestCompressed() }
        let singleRequest = received?.bytes
        if handler.method.kind.clientStreams {
            // Weak: the stream owns this handler, which owns the queue.
            let stream = NIOLoopBound(WeakReference(self.stream), eventLoop: eventLoop)
            let loop = eventLoop
            requestQueue = AsyncMessageQueue { owed in
                loop.execute { stream.value.object?.consume(owed) }
            }
        }
        if !core.observers.isEmpty { handlerStarted = .now }
        if let answer = handler.answerImmediately, core.interceptors.isEmpty, let singleRequest {
            answerImmediately(answer, request: singleRequest, context: context)
            return
        }
        let serverCall = ServerCall(
            context: context, responder: StreamResponder(self), singleRequest: singleRequest, requests: requestQueue, framing: core.framing)
        task = core.startHandler(handler, call: serverCall, executor: executor)
    }

    /// Runs a handler that answers without suspending, here on the loop: no task, no `ServerCall`.
    private func answerImmediately(_ answer: MethodHandler.ImmediateAnswer, request: ByteBuffer, context: ServerContext) {
        let framed: ByteBuffer
        do {
            framed = try answer(request, context, core.framing)
        } catch {
            handlerFinished(RPCError(reporting: error))
            return
        }
        sendMessage(framed, whenWritable: nil)
        handlerFinished(nil)
    }

    /// The handler returned (`error` nil) or threw: the status, with the metadata it set.
    func handlerFinished(_ error: RPCError?) {
        guard let context else { return }
        core.observe(context, status: error, startedAt: handlerStarted)
        finish(status: error, initialMetadata: context.initialMetadata, trailingMetadata: context.trailingMetadata(with: error))
    }

    /// Sends a response message, after the response headers (with the handler's initial metadata,
    /// read only then) when it is the first.
    func sendMessage(_ framed: ByteBuffer, whenWritable waiter: CheckedContinuation<Void, any Error>?) {
        guard !call.isFinished, !stream.isClosed else {
            waiter?.resume(throwing: RPCError(code: .cancelled, message: "the call has ended"))
            return
        }
        // Bounded memory: an answer that would take the bytes held for unread peers past the
        // connection's or the server's budget ends its call instead of being held.
        guard stream.session.canBuffer(framed.readableBytes) else {
            waiter?.resume(throwing: RPCError(code: .resourceExhausted, message: "the answer does not fit the bytes held for readers"))
            fail(RPCError(code: .resourceExhausted, message: "\(stream.session.bufferedOutboundBytes) response bytes already wait for this peer to read them"))
            return
        }
        guard case .send(let withHeaders) = call.sendMessage() else {
            waiter?.resume(throwing: RPCError(code: .cancelled, message: "the call has ended"))
            return
        }
        if withHeaders {
            let initialMetadata = context?.initialMetadata ?? Metadata()
            let compression = context?.freezeResponseCompression() ?? .identity
            if initialMetadata.isEmpty {
                stream.sendResponseHeaders(ServerResponseFields.okHeaders(compression))
            } else {
                stream.sendResponseHeaders(ServerResponseFields.headers(initialMetadata, compression: compression))
            }
        }
        stream.write(framed)
        writes.wrote(waiter, pending: stream.pendingOutboundBytes)
    }

    func streamOutboundDrained(_ stream: HTTP2Stream) {
        writes.drained(pending: stream.pendingOutboundBytes)
    }

    /// Sends the status: in trailers after a response, or as a trailers-only response.
    func finish(status: RPCError?, initialMetadata: @autoclosure () -> Metadata, trailingMetadata: Metadata) {
        guard !stream.isClosed else { return }
        let action = call.finish(status: status, initialMetadata: initialMetadata(), trailingMetadata: trailingMetadata)
        if action != .none {
            endDeadline()
            writes.fail(RPCError(code: .cancelled, message: "the call has ended"))
        }
        switch action {
        case .none: break
        case .sendOKTrailers: stream.finish(trailers: ServerResponseFields.okTrailers)
        case .sendTrailers(let trailers): stream.finish(trailers: trailers)
        case .sendTrailersOnly(let headers): stream.sendTrailersOnly(headers)
        }
    }

    /// Ends the call with `error` now, whatever the handler is doing, and stops the handler.
    private func fail(_ error: RPCError) {
        finish(status: error, initialMetadata: context?.initialMetadata ?? Metadata(), trailingMetadata: Metadata())
        stopHandler()
    }

    /// The call is over: its deadline no longer applies.
    private func endDeadline() {
        if let deadlineId { deadlines.remove(deadlineId) }
        deadlineId = nil
    }

    func deadlineExpired() {
        deadlineId = nil
        if let error = call.deadlineExpired() { fail(error) }
    }

    private func stopHandler() {
        context?.markCancelled()
        task?.cancel()
        requestQueue?.finish(throwing: CancellationError())
        writes.fail(RPCError(code: .cancelled, message: "the call has ended"))
    }

    // MARK: Stream end

    func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) {
        endDeadline()
        if let admissionTicket {
            core.admission?.release(admissionTicket)
            self.admissionTicket = nil
        }
        // Unread requests' bytes also hold the connection's window: give them back.
        stream.consume(requestQueue?.forgiveOwed() ?? 0)
        // RST_STREAM from the client, or the connection went away: cancel the handler.
        if call.streamClosed() { stopHandler() }
    }
}

import NIOConcurrencyHelpers
