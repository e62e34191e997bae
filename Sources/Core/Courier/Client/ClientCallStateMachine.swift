import CourierHTTP2
import NIOCore

/// The rules of one gRPC call on the client (PROTOCOL-HTTP2.md, "Responses"), as a value: each
/// event from the stream goes in, and what it means for the call comes out. No I/O: the stream
/// handler resets streams and delivers outcomes; every rule is testable without a socket.
struct ClientCallStateMachine {
    private enum Phase { case awaitingHeaders, receivingMessages, completed }
    private var phase = Phase.awaitingHeaders
    /// Unary and client-streaming calls take exactly one response message.
    private let singleResponse: Bool
    private var deframer: GRPCMessageDeframer
    private var response: ReceivedMessage?
    private var responseCount = 0

    init(singleResponse: Bool, maxMessageSize: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.singleResponse = singleResponse
        deframer = GRPCMessageDeframer(maxMessageSize: maxMessageSize, allocator: allocator)
    }

    /// The call has its outcome (status, failure or cancellation).
    var isCompleted: Bool { phase == .completed }
    /// Response headers arrived (a refusal after them can no longer be retried transparently).
    var receivedHeaders: Bool { phase != .awaitingHeaders }

    /// How the call ended, with the metadata that came with the ending.
    struct Ending: Equatable {
        /// OK, or the error the call fails with.
        var status: RPCError?
        /// Set for a Trailers-Only answer (empty: there were no response headers).
        var initialMetadata: Metadata?
        /// The trailers' metadata, when trailers arrived.
        var trailingMetadata: Metadata?
    }

    /// What a HEADERS block from the server means.
    enum HeadersAction: Equatable {
        case ignore
        /// The response headers: the call's initial metadata.
        case initialMetadata(Metadata)
        /// The call is over.
        case end(Ending)
    }

    mutating func receiveHeaders(_ headers: [HTTP2Header], endStream: Bool) -> HeadersAction {
        switch phase {
        case .completed:
            return .ignore
        case .awaitingHeaders:
            phase = .receivingMessages
            let status = Int(headers.first(":status") ?? "") ?? 0
            if status != 200 {
                let code = headers.first("grpc-status").flatMap(Int.init).map(StatusCode.init(rawValue:)) ?? StatusCode.fromHTTPStatus(status)
                let message = headers.first("grpc-message").map(StatusMessageEncoding.decode) ?? "HTTP status \(status)"
                return end(RPCError(code: code == .ok ? .unknown : code, message: message))
            }
            if let contentType = headers.first("content-type"), !contentType.hasPrefix("application/grpc") {
                return end(RPCError(code: .unknown, message: "the response has content-type '\(contentType)', not application/grpc"))
            }
            if !endStream {
                if let encoding = headers.first("grpc-encoding") {
                    guard let algorithm = CompressionAlgorithm(name: encoding) else {
                        return end(RPCError(code: .internal, message: "the response's grpc-encoding '\(encoding)' is not supported"))
                    }
                    deframer.decompression = algorithm
                }
                return .initialMetadata(Metadata(headers: headers))
            }
            // Trailers-Only: this one block is the trailers and carries the status; there were
            // no response headers, so initial metadata stays empty.
            var ending = trailers(headers)
            ending.initialMetadata = Metadata()
            return .end(ending)
        case .receivingMessages:
            guard endStream else {
                return end(RPCError(code: .internal, message: "received a second header block that does not end the stream"))
            }
            return .end(trailers(headers))
        }
    }

    /// The status the trailers carry, checked against what arrived before them.
    private mutating func trailers(_ headers: [HTTP2Header]) -> Ending {
        phase = .completed
        let trailing = Metadata(headers: headers)
        guard let code = headers.first("grpc-status").flatMap(Int.init).map(StatusCode.init(rawValue:)) else {
            return Ending(status: RPCError(code: .internal, message: "the response ended without grpc-status"), trailingMetadata: trailing)
        }
        if deframer.hasPartialMessage {
            return Ending(status: RPCError(code: .internal, message: "the response ended inside a message (truncated message)"), trailingMetadata: trailing)
        }
        if code != .ok {
            let message = headers.first("grpc-message").map(StatusMessageEncoding.decode) ?? ""
            return Ending(status: RPCError(code: code, message: message, metadata: trailing), trailingMetadata: trailing)
        }
        if singleResponse && responseCount != 1 {
            return Ending(status: RPCError(code: .internal, message: "expected one response message, received \(responseCount)"), trailingMetadata: trailing)
        }
        return Ending(status: nil, trailingMetadata: trailing)
    }

    private mutating func end(_ error: RPCError) -> HeadersAction {
        phase = .completed
        return .end(Ending(status: error))
    }

    /// On `.failed` the stream handler also resets the stream.
    typealias DataOutcome = ReceivedDataOutcome

    mutating func receiveData(_ bytes: UnsafeRawBufferPointer, deliver: (ReceivedMessage) -> Void) -> DataOutcome {
        guard phase != .completed else { return .ignored }
        do {
            if singleResponse {
                try deframer.append(bytes, keepingFirstIn: &response, count: &responseCount)
            } else {
                try deframer.append(bytes, deliver)
            }
            return .accepted
        } catch {
            phase = .completed
            return .failed(error)
        }
    }

    /// The single response, once the call ended with OK.
    var singleResponseMessage: ReceivedMessage? { responseCount == 1 ? response : nil }

    /// END_STREAM on DATA: the server sent no trailers. The error to fail with, if still live.
    mutating func receiveEndWithoutTrailers() -> RPCError? {
        guard phase != .completed else { return nil }
        phase = .completed
        return RPCError(code: .internal, message: "the response ended without trailers (no grpc-status)")
    }

    /// How a stream closing before the call ended counts.
    enum CloseOutcome: Equatable {
        /// The call had already ended.
        case none
        /// Refused before the server processed it: safe to send again on another connection.
        case retryTransparently
        case fail(RPCError)
    }

    /// The stream closed with `errorCode` (RST_STREAM, or the connection going away).
    mutating func streamClosed(errorCode: UInt32, receivedGoAway: Bool, closeReason: String?) -> CloseOutcome {
        guard phase != .completed else { return .none }
        let headersArrived = receivedHeaders
        phase = .completed
        switch errorCode {
        case HTTP2ErrorCode.refusedStream where !headersArrived:
            return .retryTransparently
        case HTTP2ErrorCode.cancel:
            return .fail(RPCError(code: .cancelled, message: "the server cancelled the stream"))
        case HTTP2ErrorCode.noError where !headersArrived:
            return .fail(RPCError(code: .unavailable, message: "the stream closed before a response"))
        // The connection went away: unannounced, or after a GOAWAY whose error said why.
        case HTTP2ErrorCode.internalError where !receivedGoAway || closeReason != nil:
            return .fail(RPCError(code: .unavailable, message: closeReason ?? "the connection was lost"))
        default:
            return .fail(RPCError(code: .internal, message: "the stream was reset: \(HTTP2ErrorCode.name(errorCode))"))
        }
    }

    /// The caller cancelled, or the deadline passed. True when the call was live: reset its
    /// stream and fail it.
    mutating func cancel() -> Bool {
        guard phase != .completed else { return false }
        phase = .completed
        return true
    }
}
