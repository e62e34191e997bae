import CourierHTTP2
import Testing

/// The nghttp2 session without sockets (it is sans-I/O).
@Suite("HTTP2Session")
struct HTTP2SessionTests {
    final class Recorder: HTTP2StreamDelegate {
        var closedWith: UInt32?
        func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {}
        func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) {}
        func streamReceivedEnd(_ stream: HTTP2Stream) {}
        func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) { closedWith = errorCode }
        func streamOutboundDrained(_ stream: HTTP2Stream) {}
    }

    let request = [HTTP2Header(":method", "POST"), HTTP2Header(":scheme", "http"), HTTP2Header(":path", "/a/b"), HTTP2Header(":authority", "x")]

    /// Regression: a call that raced a closing connection opened its stream after the connection
    /// had failed its streams, and waited forever. A closed session now refuses new streams.
    @Test func aClosedSessionRefusesNewStreams() {
        let session = HTTP2Session(role: .client, configuration: HTTP2Configuration())
        let open = Recorder()
        let stream = session.openStream(headers: request, delegate: open)
        #expect(stream != nil)
        session.closeAllStreams(errorCode: HTTP2ErrorCode.internalError)
        #expect(open.closedWith == HTTP2ErrorCode.internalError, "open streams are told the connection is gone")
        #expect(session.openStream(headers: request, delegate: Recorder()) == nil)
    }

    /// Two sessions wired back to back through bytes: each observer sees the other's frames,
    /// decoded (what the debugging CLI's `--trace` prints).
    @Test func frameObserversSeeSentAndReceivedFramesDecoded() {
        final class Log { var frames: [HTTP2FrameTrace] = [] }
        let clientLog = Log(), serverLog = Log()
        let client = HTTP2Session(role: .client, configuration: HTTP2Configuration())
        let server = HTTP2Session(role: .server, configuration: HTTP2Configuration())
        client.frameObserver = { clientLog.frames.append($0) }
        server.frameObserver = { serverLog.frames.append($0) }
        _ = client.openStream(headers: request, delegate: Recorder())
        var bytes = ByteBufferAllocator().buffer(capacity: 1024)
        #expect(client.takeOutbound(into: &bytes))
        #expect(server.receive(bytes) == nil)

        let sentSettings = clientLog.frames.first { $0.direction == .sent && $0.type == HTTP2FrameType.settings.rawValue }
        #expect(sentSettings?.detail.split(separator: " ").contains("MAX_CONCURRENT_STREAMS=1000") == true)
        let sentHeaders = clientLog.frames.first { $0.direction == .sent && $0.type == HTTP2FrameType.headers.rawValue }
        #expect(sentHeaders?.streamID == 1)
        #expect(sentHeaders?.headers.first(":path") == "/a/b")
        let receivedHeaders = serverLog.frames.first { $0.direction == .received && $0.type == HTTP2FrameType.headers.rawValue }
        #expect(receivedHeaders?.headers.first(":path") == "/a/b", "HEADERS arrive decoded")
        #expect(serverLog.frames.contains { $0.direction == .received && $0.type == HTTP2FrameType.settings.rawValue })
    }

    /// A client and a server session; `received` sees every frame the server receives.
    static func sessions(serverReceived received: @escaping (HTTP2FrameTrace) -> Void) -> (client: HTTP2Session, server: HTTP2Session) {
        let client = HTTP2Session(role: .client, configuration: HTTP2Configuration())
        let server = HTTP2Session(role: .server, configuration: HTTP2Configuration())
        server.frameObserver = { frame in if frame.direction == .received { received(frame) } }
        return (client, server)
    }

    /// Fixed request fields go out uncopied, before the per-call ones, and stay alive with the
    /// stream even when nothing else holds them (ASan would catch a read of freed fields).
    @Test func fixedRequestFieldsPrecedePerCallOnesAndLiveWithTheStream() {
        final class Log { var headers: [HTTP2Header] = [] }
        let log = Log()
        let (client, server) = Self.sessions { frame in
            if frame.type == HTTP2FrameType.headers.rawValue { log.headers += frame.headers }
        }
        do {
            let fixed = HTTP2HeaderList(request + [HTTP2Header("user-agent", "a-fixed-value-" + String(repeating: "x", count: 40))])
            #expect(client.openStream(fixed: fixed, headers: [HTTP2Header("grpc-timeout", "5S")], delegate: Recorder()) != nil)
        }
        var bytes = ByteBufferAllocator().buffer(capacity: 1024)
        #expect(client.takeOutbound(into: &bytes))
        #expect(server.receive(bytes) == nil)
        #expect(log.headers.map(\.name) == [":method", ":scheme", ":path", ":authority", "user-agent", "grpc-timeout"])
        #expect(log.headers.first(":path") == "/a/b")
        #expect(log.headers.first("user-agent") == "a-fixed-value-" + String(repeating: "x", count: 40))
    }

    /// A large DATA payload leaves as slices of the buffer the stream was given (nghttp2's
    /// NO_COPY mode): no copy on its way to the socket, and the peer receives every byte in order.
    /// The frame headers between the payloads are slices of one buffer per flush, not a buffer each.
    @Test func largeDataIsSentFromTheCallersBufferWithoutACopy() {
        final class Received { var data: [UInt8] = [] }
        let received = Received()
        let (client, server) = Self.sessions { frame in
            if frame.type == HTTP2FrameType.data.rawValue { received.data += frame.payload }
        }
        let payload = (0..<(200 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let message = ByteBufferAllocator().buffer(bytes: payload)
        let messageBytes = message.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress!)..<UnsafeRawPointer($0.baseAddress! + $0.count) }
        let stream = client.openStream(headers: request, delegate: Recorder())
        stream?.write(message)
        stream?.finish(trailers: nil)
        var sharedStorage = 0
        var framingChunks = 0
        // Back and forth until the server's windows let all of it through.
        for _ in 0..<20 where received.data.count < payload.count {
            var tail = ByteBufferAllocator().buffer(capacity: 1024)
            var chunks: [ByteBuffer] = []
            #expect(client.takeOutbound(into: &tail) { chunks.append($0) })
            sharedStorage += chunks.filter { chunk in
                chunk.withUnsafeReadableBytes { $0.baseAddress.map { messageBytes.contains(UnsafeRawPointer($0)) } ?? false }
            }.count
            let flushStorage = tail.withVeryUnsafeBytes { UnsafeRawPointer($0.baseAddress!)..<UnsafeRawPointer($0.baseAddress! + $0.count) }
            for chunk in chunks {
                let base = chunk.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress!) }
                guard !messageBytes.contains(base) else { continue }
                framingChunks += 1
                #expect(flushStorage.contains(base), "a frame header went out in a buffer of its own")
            }
            for chunk in chunks + [tail] { #expect(server.receive(chunk) == nil) }
            var reply = ByteBufferAllocator().buffer(capacity: 1024)
            #expect(server.takeOutbound(into: &reply))
            #expect(client.receive(reply) == nil)
        }
        #expect(received.data == payload)
        #expect(sharedStorage >= (200 << 10) / 16_384, "every full 16 KiB frame's payload is a slice of the message's own storage")
        #expect(framingChunks == sharedStorage)
    }

    @Test func aClientSessionStartsWithThePrefaceAndOurSettings() {
        let session = HTTP2Session(role: .client, configuration: HTTP2Configuration())
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        #expect(session.takeOutbound(into: &buffer))
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        #expect(bytes.starts(with: RawFrames.preface))
        let frames = RawFrames.parse(Array(bytes.dropFirst(RawFrames.preface.count)))
        let settings = frames.first { $0.type == 4 }
        #expect(settings != nil)
        // MAX_CONCURRENT_STREAMS (0x3) is advertised, not left unlimited.
        let ids = stride(from: 0, to: settings?.payload.count ?? 0, by: 6).map { Int(settings!.payload[$0]) << 8 | Int(settings!.payload[$0 + 1]) }
        #expect(ids.contains(3) && ids.contains(6), "MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE are advertised")
    }
}

import NIOCore
