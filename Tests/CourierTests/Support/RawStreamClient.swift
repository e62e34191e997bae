import CourierHTTP2
import NIOCore
import NIOPosix

/// Sends one HTTP/2 stream with any headers and body bytes, through Courier's nghttp2 client
/// session, and reports every header block, the DATA bytes and how the stream closed. For tests
/// that need requests a well-behaved gRPC client would never send.
enum RawStreamClient {
    struct Response: Sendable {
        var headerBlocks: [[HTTP2Header]] = []
        var data: [UInt8] = []
        var closeCode: UInt32 = 0

        var status: String? { headerBlocks.first?.first(":status") }
        var grpcStatus: Int? { headerBlocks.last?.first("grpc-status").flatMap(Int.init) }
        var grpcMessage: String? { headerBlocks.last?.first("grpc-message") }
    }

    static func send(port: Int, headers: [HTTP2Header], body: [UInt8], endStream: Bool = true) async throws -> Response {
        let (channel, connection) = try await HTTP2ClientConnector.connect(
            host: "127.0.0.1", port: port, group: MultiThreadedEventLoopGroup.singleton, configuration: HTTP2Configuration())
        defer { channel.close(promise: nil) }
        let promise = channel.eventLoop.makePromise(of: Response.self)
        try await channel.eventLoop.submit {
            let collector = Collector(promise: promise)
            guard let stream = connection.value.session.openStream(headers: headers, delegate: collector) else {
                promise.fail(ChannelError.ioOnClosedChannel)
                return
            }
            var buffer = channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            stream.write(buffer)
            if endStream { stream.finish(trailers: nil) }
        }.get()
        return try await promise.futureResult.get()
    }

    static func grpcHeaders(path: String, contentType: String = "application/grpc", extra: [HTTP2Header] = []) -> [HTTP2Header] {
        [
            HTTP2Header(":method", "POST"), HTTP2Header(":scheme", "http"), HTTP2Header(":path", path),
            HTTP2Header(":authority", "127.0.0.1"), HTTP2Header("content-type", contentType), HTTP2Header("te", "trailers"),
        ] + extra
    }

    /// A gRPC Length-Prefixed-Message.
    static func message(_ bytes: [UInt8], compressed: Bool = false, declaredLength: Int? = nil) -> [UInt8] {
        let length = UInt32(declaredLength ?? bytes.count)
        return [compressed ? 1 : 0, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + bytes
    }

    private final class Collector: HTTP2StreamDelegate {
        var response = Response()
        let promise: EventLoopPromise<Response>

        init(promise: EventLoopPromise<Response>) { self.promise = promise }

        func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {
            response.headerBlocks.append(headers)
        }
        func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) {
            response.data.append(contentsOf: data)
            stream.consume(data.count)
        }
        func streamReceivedEnd(_ stream: HTTP2Stream) {}
        func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) {
            response.closeCode = errorCode
            promise.succeed(response)
        }
        func streamOutboundDrained(_ stream: HTTP2Stream) {}
    }
}
