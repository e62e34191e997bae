import CourierProtobuf
import NIOCore

/// What carries a client's calls: HTTP/2 connections to a server (`GRPCChannel`), or a `Server`
/// in the same process (`InProcessTransport`). Generated clients and the call functions (`unary`,
/// `serverStreaming`, `clientStreaming`, `bidirectionalStreaming` and their raw forms) work over
/// either: framing, interceptors and decoding are the same code for both (`ClientTransport+Calls`),
/// and only these two steps differ.
public protocol ClientTransport: Sendable {
    /// The limits, interceptors and user agent of the calls made over this transport.
    var configuration: ChannelConfiguration { get }

    /// One framed request (with its 5-byte prefix) for one response: answers the response
    /// message's bytes with the call's metadata, or throws its status as an `RPCError`.
    func unaryExchange(_ method: MethodDescriptor, framedRequest: ByteBuffer, options: CallOptions) async throws -> UnaryResponse<ByteBuffer>

    /// Starts a call whose requests or responses stream. `firstMessage` (framed), when given, goes
    /// out with the start and `endRequests` half-closes right after it; with `streamsResponses`
    /// the responses arrive in `ClientCallStream`'s queue, otherwise as its single response.
    func startCall(
        _ method: MethodDescriptor, options: CallOptions, firstMessage: ByteBuffer?, endRequests: Bool, streamsResponses: Bool
    ) async throws -> ClientCallStream
}

/// One call started by a `ClientTransport`: where its requests go and its responses come from.
/// The call functions drive it; a transport makes one around its own call.
public final class ClientCallStream: Sendable {
    let io: any ClientCallIO
    /// The responses of a call started with `streamsResponses`.
    let responses: AsyncMessageQueue<ReceivedMessage>?
    let allocator = ByteBufferAllocator()
    let maxSendMessageSize: Int
    /// What request messages are compressed with (the transport named it in `grpc-encoding`).
    let compression: CompressionAlgorithm

    init(io: any ClientCallIO, responses: AsyncMessageQueue<ReceivedMessage>?, maxSendMessageSize: Int, compression: CompressionAlgorithm) {
        self.io = io
        self.responses = responses
        self.maxSendMessageSize = maxSendMessageSize
        self.compression = compression
    }

    /// Metadata from the response headers (empty until they arrive).
    var initialMetadata: Metadata { io.metadata?.initial ?? Metadata() }
    /// Metadata from the trailers (empty until the call ends).
    var trailingMetadata: Metadata { io.metadata?.trailing ?? Metadata() }

    /// Sends a message, compressed in the call's encoding unless `compress` is false.
    func write<M: ProtobufMessage>(_ message: M, compress: Bool = true) async throws {
        try await io.write(framed: try GRPCMessageFramer.frame(
            message, allocator: allocator, maxSize: maxSendMessageSize, compression: compress ? compression : .identity))
    }

    /// Sends a message that is already encoded, compressed in the call's encoding unless `compress` is false.
    func write(encoded bytes: [UInt8], compress: Bool = true) async throws {
        try await io.write(framed: try GRPCMessageFramer.frame(
            encoded: bytes, allocator: allocator, maxSize: maxSendMessageSize, compression: compress ? compression : .identity))
    }

    func finishRequests() { io.finishRequests() }

    func cancel(_ error: RPCError = RPCError(code: .cancelled, message: "the call was cancelled by the client")) { io.cancel(error) }

    /// The one response of a call started without `streamsResponses`, once the requests are done.
    func singleResponse() async throws -> UnaryResponse<ByteBuffer> { try await io.singleResponse() }
}

/// A transport's side of one started call (see `ClientCallStream`).
protocol ClientCallIO: Sendable {
    /// Where a streaming call's metadata is published (nil when it comes with the single response).
    var metadata: CallMetadataBox? { get }
    /// Sends a framed request message; waits while the receiver is not reading.
    func write(framed: ByteBuffer) async throws
    /// Half-closes: no more requests.
    func finishRequests()
    /// Ends the call with `error` unless it has already ended.
    func cancel(_ error: RPCError)
    /// The single response with its metadata, or the call's status thrown.
    func singleResponse() async throws -> UnaryResponse<ByteBuffer>
}
