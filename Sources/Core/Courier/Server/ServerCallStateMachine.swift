import CourierHTTP2
import NIOCore

/// The rules of one gRPC call on the server (PROTOCOL-HTTP2.md), as a value: each event from the
/// stream or the handler goes in, and what to do comes out. No I/O, no tasks: the stream handler
/// does what it is told, and every rule is testable without a socket.
///
/// The two directions are tracked apart: requests (awaiting the headers, open, closed) and the
/// response (nothing sent, headers sent, finished).
struct ServerCallStateMachine {
    private enum Requests { case awaitingHeaders, open, closed }
    private enum Response { case notStarted, headersSent, finished }

    private var requests = Requests.awaitingHeaders
    private var response = Response.notStarted
    /// Set once the request is routed.
    private var kind: RPCKind?
    private var deframer: GRPCMessageDeframer
    /// The one request of a unary or server-streaming call, until its handler starts.
    private var singleRequest: ReceivedMessage?
    private var requestCount = 0

    init(maxMessageSize: Int, allocator: ByteBufferAllocator) {
        deframer = GRPCMessageDeframer(maxMessageSize: maxMessageSize, allocator: allocator)
    }

    /// The call has ended: its status went out (or it was refused, or the stream closed).
    var isFinished: Bool { response == .finished }

    // MARK: Requests

    /// What a HEADERS block from the client means.
    enum HeadersAction: Equatable {
        /// The request's headers: validate and route them, then `accept` or `reject`.
        case validate
        /// Trailers ending the requests: act on this.
        case endOfRequests(EndAction)
        /// Nothing to do (trailers without END_STREAM, or the call is over).
        case ignore
    }

    mutating func receiveHeaders(endStream: Bool) -> HeadersAction {
        switch requests {
        case .awaitingHeaders:
            requests = .open
            return .validate
        case .open:
            return endStream ? .endOfRequests(receiveEnd()) : .ignore
        case .closed:
            return .ignore
        }
    }

    /// The request was routed to a method of `kind`, its messages sent in `encoding`. Returns true
    /// when its handler starts now: a client- or bidirectional-streaming handler reads its
    /// requests as they come.
    mutating func accept(kind: RPCKind, encoding: CompressionAlgorithm = .identity) -> Bool {
        self.kind = kind
        deframer.decompression = encoding
        return kind.clientStreams
    }

    /// The request was refused with a Trailers-Only answer: the call is over.
    mutating func reject() {
        requests = .closed
        response = .finished
    }

    typealias DataOutcome = ReceivedDataOutcome

    /// DATA: a streaming request's messages go to `deliver`; a unary one keeps its one message.
    mutating func receiveData(_ bytes: UnsafeRawBufferPointer, deliver: (ReceivedMessage) -> Void) -> DataOutcome {
        guard requests == .open, response != .finished, let kind else { return .ignored }
        do {
            if kind.clientStreams {
                try deframer.append(bytes, deliver)
                return .accepted
            }
            try deframer.append(bytes, keepingFirstIn: &singleRequest, count: &requestCount)
        } catch {
            return .failed(error)
        }
        if requestCount > 1 {
            return .failed(RPCError(code: .internal, message: "\(kind) call received more than one request message"))
        }
        return .accepted
    }

    /// What the end of the requests (END_STREAM) asks for.
    enum EndAction: Equatable {
        case none
        /// A unary or server-streaming request is complete: start its handler with it.
        case startHandler(request: ReceivedMessage)
        /// A streaming request ended: tell the running handler.
        case finishRequests
        /// The requests ended against the rules: end the call with this error.
        case fail(RPCError)
    }

    mutating func receiveEnd() -> EndAction {
        guard requests == .open, response != .finished, let kind else { return .none }
        requests = .closed
        if deframer.hasPartialMessage {
            return .fail(RPCError(code: .internal, message: "the request stream ended inside a message (truncated message)"))
        }
        if kind.clientStreams { return .finishRequests }
        guard let request = singleRequest else {
            return .fail(RPCError(code: .internal, message: "the client half-closed without sending a request message"))
        }
        singleRequest = nil
        return .startHandler(request: request)
    }

    // MARK: Response

    /// What sending a response message takes.
    enum SendAction: Equatable {
        /// The call is over: refuse the message (the handler sees CANCELLED).
        case refuse
        /// Send it, after the response headers when `withHeaders` (the first message).
        case send(withHeaders: Bool)
    }

    mutating func sendMessage() -> SendAction {
        switch response {
        case .finished: return .refuse
        case .notStarted:
            response = .headersSent
            return .send(withHeaders: true)
        case .headersSent: return .send(withHeaders: false)
        }
    }

    /// How the status goes out.
    enum FinishAction: Equatable {
        /// Already ended: nothing.
        case none
        /// OK with no trailing metadata after a response: the shared, pre-encoded trailers.
        case sendOKTrailers
        /// Trailers after the response headers.
        case sendTrailers([HTTP2Header])
        /// No response headers went out: one block with both (Trailers-Only).
        case sendTrailersOnly([HTTP2Header])
    }

    /// Ends the call with OK (`status` nil) or `status`, with the handler's metadata (the initial
    /// metadata is read only for a Trailers-Only answer).
    mutating func finish(status: RPCError?, initialMetadata: @autoclosure () -> Metadata, trailingMetadata: Metadata) -> FinishAction {
        let headersSent: Bool
        switch response {
        case .finished: return .none
        case .notStarted: headersSent = false
        case .headersSent: headersSent = true
        }
        response = .finished
        if headersSent {
            if status == nil && trailingMetadata.isEmpty { return .sendOKTrailers }
            return .sendTrailers(ServerResponseFields.status(status, trailingMetadata))
        }
        return .sendTrailersOnly(ServerResponseFields.headers(initialMetadata()) + ServerResponseFields.status(status, trailingMetadata))
    }

    /// The deadline passed: the error to end the call with, unless it has already ended.
    func deadlineExpired() -> RPCError? {
        isFinished ? nil : RPCError(code: .deadlineExceeded, message: "the deadline passed before the call completed")
    }

    /// The stream closed (the client's RST_STREAM, or the connection went away). Returns true
    /// when the call had not ended: its handler must be stopped.
    mutating func streamClosed() -> Bool {
        defer {
            requests = .closed
            response = .finished
        }
        return response != .finished
    }
}
