import CourierHTTP2
import NIOCore

/// One gRPC call on the server, driven by its HTTP/2 stream (PROTOCOL-HTTP2.md): validates the
/// request headers, routes, deframes requests, starts the handler's task, sends the response
/// headers, messages and trailers, and enforces the deadline. Confined to the event loop.
final class ServerStreamHandler: HTTP2StreamDelegate, DeadlineExpiring {
    private enum Phase { case awaitingHeaders, receiving, finished }

    let stream: HTTP2Stream
    let eventLoop: any EventLoop
    private let core: ServerCore
    private let executor: EventLoopTaskExecutor
    private let remoteAddress: SocketAddress?
    private var phase = Phase.awaitingHeaders
    private var handler: MethodHandler?
    private var context: ServerContext?
    private var deframer: GRPCMessageDeframer
    private var singleRequest: ByteBuffer?
    private var requestQueue: AsyncMessageQueue<ByteBuffer>?
    private var task: Task<Void, Never>?
    private var headersSent = false
    /// The loop's deadlines, and this call's id there until the call ends.
    private let deadlines: CallDeadlines
    private var deadlineId: UInt64?
    private var writeWaiter: CheckedContinuation<Void, any Error>?
    /// The overload protection's hold on this call, given back when the stream closes.
    private var admissionTicket: AdmissionControl.Ticket?

    /// The response headers and OK trailers of nearly every call, encoded once.
    private static let okHeaders = HTTP2HeaderList([HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc")])
    private static let okTrailers = HTTP2HeaderList([HTTP2Header("grpc-status", "0")])

    /// Pending response bytes above which a streaming `write` waits.
    private static let writeHighWater = 64 << 10

    init(stream: HTTP2Stream, eventLoop: any EventLoop, core: ServerCore, executor: EventLoopTaskExecutor, deadlines: CallDeadlines,
         remoteAddress: SocketAddress?) {
        self.deadlines = deadlines
        self.stream = stream
        self.eventLoop = eventLoop
        self.core = core
        self.executor = executor
        self.remoteAddress = remoteAddress
        self.deframer = GRPCMessageDeframer(maxMessageSize: core.configuration.maxReceiveMessageSize, allocator: core.allocator)
    }

    // MARK: Request headers

    func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {
        guard phase == .awaitingHeaders else {
            // Trailers from the client: only their END_STREAM matters.
            if endStream { streamReceivedEnd(stream) }
            return
        }
        phase = .receiving
        if let (httpStatus, error) = validate(headers) {
            reject(httpStatus: httpStatus, error)
            return
        }
        if endStream { streamReceivedEnd(stream) }
    }

    /// Checks the request and routes it; returns the HTTP status and error to answer with.
    private func validate(_ headers: [HTTP2Header]) -> (Int, RPCError)? {
        if stream.headerListTooLarge {
            return (200, RPCError(code: .resourceExhausted, message: "request headers exceed \(core.configuration.http2.maxHeaderListSize) bytes"))
        }
        // Answers already waiting for this peer (or for all peers) fill the budget: take no more work.
        if !stream.session.canBuffer(1) {
            return (200, RPCError(code: .resourceExhausted, message: "too many response bytes are waiting for their readers; read them first"))
        }
        // One pass over the fields gRPC itself reads. By length first: comparing two different
        // strings is the slow path of String ==, and most fields are none of these.
        var method: String?, contentType: String?, path = "", encoding: String?, timeout: String?, criticality: String?
        for header in headers {
            let name = header.name
            switch name.utf8.count {
            case 5 where name == ":path": path = header.value
            case 7 where name == ":method": method = header.value
            case 12 where name == "content-type": contentType = header.value
            case 12 where name == "grpc-timeout": timeout = header.value
            case 13 where name == "grpc-encoding": encoding = header.value
            case 21 where name == AdmissionControl.criticalityHeader: criticality = header.value
            default: break
            }
        }
        guard method == "POST" else {
            return (405, RPCError(code: .internal, message: "gRPC requires POST, not \(method ?? "no method")"))
        }
        // PROTOCOL-HTTP2.md: a Content-Type not starting with application/grpc gets HTTP 415.
        guard let contentType, contentType.hasPrefix("application/grpc") else {
            return (415, RPCError(code: .internal, message: "invalid content-type '\(contentType ?? "")'"))
        }
        guard let handler = core.router.handler(for: path) else {
            return (200, core.router.unimplemented(path))
        }
        if let encoding, encoding != "identity" {
            return (200, RPCError(code: .unimplemented, message: "grpc-encoding '\(encoding)' is not supported (identity only)"))
        }
        var deadline: NIODeadline?
        if let timeout {
            guard let amount = GRPCTimeout.parse(timeout) else {
                return (200, RPCError(code: .internal, message: "malformed grpc-timeout '\(timeout)'"))
            }
            deadline = .now() + amount
        }
        // Overload protection, before any work: unary calls only (a stream's lifetime is not a
        // service time, and a long-lived one would hold a slot).
        if let admission = core.admission, handler.method.kind == .unary {
            switch admission.admit(path: path, deadline: deadline, critical: criticality == "critical") {
            case .success(let ticket):
                admissionTicket = ticket
            case .failure(let refusal):
                var error = refusal.error
                if let pushback = refusal.pushbackMilliseconds { error.metadata.add("grpc-retry-pushback-ms", String(pushback)) }
                return (200, error)
            }
        }
        let context = ServerContext(method: handler.method, requestHeaders: headers, deadline: deadline, remoteAddress: remoteAddress)
        self.handler = handler
        self.context = context
        if let deadline { deadlineId = deadlines.add(self, deadline: deadline) }
        if handler.method.kind.clientStreams { startHandler(singleRequest: nil) }
        return nil
    }

    // MARK: Request messages

    func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) {
        guard phase == .receiving, let handler else {
            stream.consume(data.count)
            return
        }
        if handler.method.kind.clientStreams {
            do {
                try deframer.append(data) { requestQueue?.yield($0) }
            } catch {
                stream.consume(data.count)
                fail(error)
                return
            }
            stream.consume(requestQueue?.received(byteCount: data.count) ?? data.count)
        } else {
            stream.consume(data.count)
            var first = singleRequest
            var count = singleRequest == nil ? 0 : 1
            do {
                try deframer.append(data) { message in
                    count += 1
                    if first == nil { first = message }
                }
            } catch {
                fail(error)
                return
            }
            singleRequest = first
            if count > 1 {
                fail(RPCError(code: .internal, message: "\(handler.method.kind) call received more than one request message"))
            }
        }
    }

    func streamReceivedEnd(_ stream: HTTP2Stream) {
        guard phase == .receiving, let handler else { return }
        if deframer.hasPartialMessage {
            fail(RPCError(code: .internal, message: "the request stream ended inside a message (truncated message)"))
            return
        }
        if handler.method.kind.clientStreams {
            requestQueue?.finish()
        } else if let request = singleRequest {
            startHandler(singleRequest: request)
        } else {
            fail(RPCError(code: .internal, message: "the client half-closed without sending a request message"))
        }
    }

    // MARK: Running the handler

    private func startHandler(singleRequest: ByteBuffer?) {
        guard let handler, let context else { return }
        if handler.method.kind.clientStreams {
            // Weak: the stream owns this handler, which owns the queue.
            let stream = NIOLoopBound(WeakReference(self.stream), eventLoop: eventLoop)
            let loop = eventLoop
            requestQueue = AsyncMessageQueue { owed in
                loop.execute { stream.value.object?.consume(owed) }
            }
        }
        let interceptors = core.interceptors
        if let answer = handler.answerImmediately, interceptors.isEmpty, let singleRequest {
            answerImmediately(answer, request: singleRequest, context: context)
            return
        }
        let call = ServerCall(
            context: context, handler: self, singleRequest: singleRequest, requests: requestQueue, framing: core.framing)
        // Immediate: the handler runs now, on this event loop, until it first suspends, so a
        // handler that answers at once answers within the read that brought its request (no
        // enqueue, no extra loop iteration). After a suspension it resumes on the same loop.
        task = Task.immediate(executorPreference: executor) {
            var status: RPCError?
            do {
                if interceptors.isEmpty {
                    try await handler.invoke(call)
                } else {
                    try await interceptors.run(context: context) { _ in try await handler.invoke(call) }
                }
            } catch {
                status = RPCError(reporting: error)
            }
            call.finish(status)
        }
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
        sendMessage(framed, initialMetadata: context.initialMetadata, whenWritable: nil)
        handlerFinished(nil)
    }

    /// The handler returned (`error` nil) or threw: the status, with the metadata it set.
    func handlerFinished(_ error: RPCError?) {
        guard let context else { return }
        var trailingMetadata = context.trailingMetadata
        if let error { for (key, value) in error.metadata { trailingMetadata.append(key, value) } }
        finish(status: error, initialMetadata: context.initialMetadata, trailingMetadata: trailingMetadata)
    }

    func sendMessage(_ framed: ByteBuffer, initialMetadata: Metadata, whenWritable waiter: CheckedContinuation<Void, any Error>?) {
        guard phase != .finished, !stream.isClosed else {
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
        if !headersSent {
            headersSent = true
            if initialMetadata.isEmpty {
                stream.sendResponseHeaders(Self.okHeaders)
            } else {
                var headers = Self.okHeaders.headers
                initialMetadata.appendHeaders(to: &headers)
                stream.sendResponseHeaders(headers)
            }
        }
        stream.write(framed)
        guard let waiter else { return }
        if stream.pendingOutboundBytes < Self.writeHighWater {
            waiter.resume()
        } else {
            writeWaiter = waiter
        }
    }

    func streamOutboundDrained(_ stream: HTTP2Stream) {
        if let waiter = writeWaiter, stream.pendingOutboundBytes < Self.writeHighWater / 2 {
            writeWaiter = nil
            waiter.resume()
        }
    }

    /// Sends the status: in trailers after a response, or as a trailers-only response.
    func finish(status: RPCError?, initialMetadata: Metadata, trailingMetadata: Metadata) {
        guard phase != .finished, !stream.isClosed else { return }
        phase = .finished
        endDeadline()
        defer { resumeWriterWithError() }
        if status == nil && trailingMetadata.isEmpty && headersSent {
            stream.finish(trailers: Self.okTrailers)
            return
        }
        let trailers = Self.statusFields(status, trailingMetadata)
        if headersSent {
            stream.finish(trailers: trailers)
        } else {
            var headers = Self.okHeaders.headers
            initialMetadata.appendHeaders(to: &headers)
            stream.sendTrailersOnly(headers + trailers)
        }
    }

    /// Ends the call with `error` now, whatever the handler is doing, and stops the handler.
    private func fail(_ error: RPCError) {
        finish(status: error, initialMetadata: context?.initialMetadata ?? Metadata(), trailingMetadata: Metadata())
        stopHandler()
    }

    private func reject(httpStatus: Int, _ error: RPCError) {
        phase = .finished
        var headers = [HTTP2Header(":status", String(httpStatus)), HTTP2Header("content-type", "application/grpc")]
        headers += Self.statusFields(error, error.metadata)
        if error.code == .unimplemented { headers.append(HTTP2Header("grpc-accept-encoding", "identity")) }
        stream.sendTrailersOnly(headers)
    }

    /// grpc-status, grpc-message (percent-encoded, when there is one) and trailing metadata.
    private static func statusFields(_ status: RPCError?, _ trailingMetadata: Metadata) -> [HTTP2Header] {
        var fields = [HTTP2Header("grpc-status", String(status?.code.rawValue ?? 0))]
        if let message = status?.message, !message.isEmpty {
            fields.append(HTTP2Header("grpc-message", StatusMessageEncoding.encode(message)))
        }
        trailingMetadata.appendHeaders(to: &fields)
        return fields
    }

    /// The call is over: its deadline no longer applies.
    private func endDeadline() {
        if let deadlineId { deadlines.remove(deadlineId) }
        deadlineId = nil
    }

    func deadlineExpired() {
        deadlineId = nil
        guard phase != .finished else { return }
        fail(RPCError(code: .deadlineExceeded, message: "the deadline passed before the call completed"))
    }

    private func stopHandler() {
        context?.markCancelled()
        task?.cancel()
        requestQueue?.finish(throwing: CancellationError())
        resumeWriterWithError()
    }

    private func resumeWriterWithError() {
        if let waiter = writeWaiter {
            writeWaiter = nil
            waiter.resume(throwing: RPCError(code: .cancelled, message: "the call has ended"))
        }
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
        if phase != .finished {
            // RST_STREAM from the client, or the connection went away: cancel the handler.
            phase = .finished
            stopHandler()
        }
    }
}

import NIOConcurrencyHelpers
