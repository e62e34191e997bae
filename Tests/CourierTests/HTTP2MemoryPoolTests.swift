import CHTTP2Memory
@testable import CourierHTTP2
import NIOCore
import Testing

/// nghttp2's allocations go through a pool per session: every block comes back, later streams
/// reuse the blocks of earlier ones, and what the pool keeps is bounded.
@Suite("nghttp2 memory pool")
struct HTTP2MemoryPoolTests {
    final class Quiet: HTTP2StreamDelegate {
        var closed = false
        func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {}
        func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) {}
        func streamReceivedEnd(_ stream: HTTP2Stream) {}
        func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) { closed = true }
        func streamOutboundDrained(_ stream: HTTP2Stream) {}
    }

    static let request = [
        HTTP2Header(":method", "POST"), HTTP2Header(":scheme", "http"), HTTP2Header(":path", "/pool.Test/Call"),
        HTTP2Header(":authority", "x"), HTTP2Header("content-type", "application/grpc"),
    ]

    /// Moves every pending frame from one session to the other.
    static func pump(_ from: HTTP2Session, _ to: HTTP2Session) {
        var bytes = ByteBufferAllocator().buffer(capacity: 4096)
        #expect(from.takeOutbound(into: &bytes))
        #expect(to.receive(bytes) == nil)
    }

    /// One call: request with a message, answer with a message and trailers, both ends closed.
    static func call(_ client: HTTP2Session, _ server: HTTP2Session) {
        let delegate = Quiet()
        let stream = client.openStream(headers: request, delegate: delegate)
        stream?.write(ByteBufferAllocator().buffer(bytes: [0, 0, 0, 0, 3, 1, 2, 3]))
        stream?.finish(trailers: nil)
        Self.pump(client, server)
        for answering in server.streams.values {
            answering.sendResponseHeaders([HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc")])
            answering.write(ByteBufferAllocator().buffer(bytes: [0, 0, 0, 0, 2, 9, 9]))
            answering.finish(trailers: [HTTP2Header("grpc-status", "0")])
        }
        Self.pump(server, client)
        Self.pump(client, server)
        #expect(delegate.closed, "the call's stream closed on the client")
    }

    @Test("200 calls: blocks come back, are reused, and the cache stays bounded")
    func blocksAreReturnedAndReused() {
        let client = HTTP2Session(role: .client, configuration: HTTP2Configuration())
        let server = HTTP2Session(role: .server, configuration: HTTP2Configuration())
        Self.pump(client, server)
        Self.pump(server, client)
        for _ in 0..<10 { Self.call(client, server) }
        let clientAfterWarmUp = client.memoryPoolStats, serverAfterWarmUp = server.memoryPoolStats
        for _ in 0..<200 { Self.call(client, server) }
        let clientAfter = client.memoryPoolStats, serverAfter = server.memoryPoolStats
        #expect(server.streams.isEmpty && client.streams.isEmpty)
        // Nothing a finished call allocated is still held: the sessions hold what they held.
        #expect(clientAfter.outstanding == clientAfterWarmUp.outstanding)
        #expect(serverAfter.outstanding == serverAfterWarmUp.outstanding)
        let allocations = (clientAfter.allocations - clientAfterWarmUp.allocations) + (serverAfter.allocations - serverAfterWarmUp.allocations)
        #expect(allocations >= 200 * 4, "each call allocates in nghttp2 (\(allocations) for 200 calls)")
        for stats in [clientAfter, serverAfter] { #expect(stats.cached_bytes <= 96 * 1024) }
        if courier_http2_pool_is_pooling() == 1 {
            let reused = (clientAfter.reused - clientAfterWarmUp.reused) + (serverAfter.reused - serverAfterWarmUp.reused)
            #expect(reused * 100 >= allocations * 95, "\(reused) of \(allocations) allocations reused a block")
        }
    }
}
