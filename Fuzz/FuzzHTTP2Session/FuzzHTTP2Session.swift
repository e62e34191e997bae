// libFuzzer target: bytes from a client into Courier's server HTTP/2 session (nghttp2 through
// HTTP2Session and its callbacks), after a valid preface, split into reads by the input's first
// byte. Streams the peer opens are answered (headers, a DATA chunk, trailers) so the output paths
// run too: a small chunk, or (every other stream) one past the zero-copy threshold, so DATA frames
// also go out as slices (NO_COPY) under whatever windows and frame sizes the peer sets. The
// session must report errors, never crash or leak.
import FuzzDriver
import CourierHTTP2
import NIOCore

final class AnsweringOwner: HTTP2SessionOwner, HTTP2StreamDelegate {
    func session(_ session: HTTP2Session, peerOpened stream: HTTP2Stream) { stream.delegate = self }
    func session(_ session: HTTP2Session, receivedGoAway lastStreamID: Int32, errorCode: UInt32) {}
    func sessionReceivedPingAck(_ session: HTTP2Session) {}
    func sessionNeedsFlush(_ session: HTTP2Session) {}

    func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {
        stream.sendResponseHeaders([HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc")])
        if stream.id % 4 == 1 {
            stream.write(ByteBuffer(bytes: [0, 0, 0, 0, 2, 8, 1]))
        } else {
            stream.write(ByteBuffer(bytes: [0, 0, 0, 0x17, 0x70] + [UInt8](repeating: 7, count: 6000)))
        }
        stream.finish(trailers: [HTTP2Header("grpc-status", "0")])
    }
    func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) { stream.consume(data.count) }
    func streamReceivedEnd(_ stream: HTTP2Stream) {}
    func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) {}
    func streamOutboundDrained(_ stream: HTTP2Stream) {}
}

let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]

func feed(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 1 else { return }
    let owner = AnsweringOwner()
    let session = HTTP2Session(role: .server, configuration: HTTP2Configuration())
    session.owner = owner
    var outbound = ByteBuffer()
    _ = session.receive(ByteBuffer(bytes: preface))
    let step = Int(bytes[0]) * 16 + 1
    var offset = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        if session.receive(ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))) != nil { break }
        outbound.clear()
        var slices = 0
        guard session.takeOutbound(into: &outbound, write: { slices += $0.readableBytes }) else { break }
        offset = end
    }
    withExtendedLifetime(owner) {}
}

@main
struct FuzzHTTP2Session {
    static func main() {
        fuzzMain("http2") { data, size in
            guard let data else { return 0 }
            feed(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
}
