import Courier
import CourierHTTP2
import CourierInterop
import Testing

/// Abuse at the byte level: after each, the server still serves a normal call on a new connection.
@Suite("Bad input on raw sockets; the server keeps serving", .timeLimit(.minutes(1)))
struct BadInputTests {
    private func assertStillServing(_ port: Int) async throws {
        try await withChannel(port: port) { channel in try await InteropTestCase.emptyUnary.run(on: channel) }
    }

    @Test func garbageInsteadOfThePreface() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            socket.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            let (bytes, closed) = socket.readUntilClosed()
            // RFC 9113 §3.4: a connection error; GOAWAY may be omitted (the peer is not speaking HTTP/2).
            #expect(closed, "the server closes a connection that does not start with the HTTP/2 preface")
            #expect(RawFrames.parse(bytes).allSatisfy { $0.stream == 0 }, "and answers no stream on it")
            try await assertStillServing(port)
        }
    }

    @Test func aTruncatedFrame() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            let headers = RawFrames.headers(stream: 1, RawFrames.grpcRequestFields)
            socket.send(RawFrames.preface + RawFrames.settings() + Array(headers.prefix(12)))
            _ = socket.readUntilClosed(timeout: 200)
            try await assertStillServing(port)
        }
    }

    @Test func aFrameLargerThanMaxFrameSize() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            let huge = RawFrames.frame(type: 0, stream: 1, payload: [UInt8](repeating: 0, count: 20_000))
            socket.send(RawFrames.preface + RawFrames.settings() + huge)
            let (bytes, closed) = socket.readUntilClosed()
            let goaway = RawFrames.parse(bytes).first { $0.type == 7 }
            #expect(closed && goaway?.errorCode == 6, "FRAME_SIZE_ERROR (RFC 9113 §4.2)")
            try await assertStillServing(port)
        }
    }

    @Test func headersWithoutPathAreAStreamError() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            let fields = RawFrames.grpcRequestFields.filter { $0.0 != ":path" }
            socket.send(RawFrames.preface + RawFrames.settings() + RawFrames.headers(stream: 1, fields, endStream: true))
            let (bytes, _) = socket.readUntilClosed(timeout: 500)
            let reset = RawFrames.parse(bytes).first { $0.type == 3 && $0.stream == 1 }
            #expect(reset?.errorCode == 1, "RST_STREAM with PROTOCOL_ERROR (RFC 9113 §8.1.1)")
            try await assertStillServing(port)
        }
    }

    @Test func aFloodOfStreamResetsEndsTheConnection() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            var bytes = RawFrames.preface + RawFrames.settings()
            // Rapid Reset: open and reset streams far faster than nghttp2's limit allows.
            for i in 0..<2000 {
                let stream = UInt32(2 * i + 1)
                bytes += RawFrames.headers(stream: stream, RawFrames.grpcRequestFields) + RawFrames.rstStream(stream: stream)
            }
            socket.send(bytes)
            let (received, closed) = socket.readUntilClosed()
            let goaway = RawFrames.parse(received).first { $0.type == 7 }
            #expect(closed && goaway != nil, "the server ends a Rapid Reset connection with GOAWAY")
            try await assertStillServing(port)
        }
    }

    /// The other side of Rapid Reset: a client whose calls all hit their deadline at once (the
    /// server stalled, say) cancels every one of them, thousands of RST_STREAMs in a burst. Those
    /// streams are old, not opened to be reset: the connection must survive it. (nghttp2's own
    /// limiter counted every reset and ended such a connection after 1,000: a stall turned into
    /// UNAVAILABLE and INTERNAL for every call in flight, seen under loadtest at 30,000 calls/s.)
    @Test func cancellingManyOldCallsAtOnceIsNotAnAttack() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            socket.send(RawFrames.preface + RawFrames.settings())
            var next: UInt32 = 1
            for _ in 0..<3 {
                // 900 calls in flight (under the 1,000 concurrent streams), waiting for their request.
                let streams = (0..<900).map { next + 2 * UInt32($0) }
                next += 1800
                socket.send(streams.flatMap { RawFrames.headers(stream: $0, RawFrames.grpcRequestFields) })
                try await Task.sleep(for: .milliseconds(300))
                // Their deadline passes: all cancelled at once.
                socket.send(streams.flatMap { RawFrames.rstStream(stream: $0) })
            }
            // One more call on the same connection is still answered.
            // An empty Length-Prefixed-Message (EmptyCall's request) ends the stream.
            let emptyMessage = RawFrames.frame(type: 0, flags: 0x1, stream: next, payload: [0, 0, 0, 0, 0])
            socket.send(RawFrames.headers(stream: next, RawFrames.grpcRequestFields) + emptyMessage)
            let (received, _) = socket.readUntilClosed(timeout: 1000)
            let frames = RawFrames.parse(received)
            #expect(!frames.contains { $0.type == 7 }, "no GOAWAY")
            #expect(frames.contains { $0.type == 1 && $0.stream == next }, "the next call is answered")
        }
    }

    @Test func aConnectionThatSendsNothing() async throws {
        try await withServer { port in
            let idle = try RawSocket(port: port)
            try await assertStillServing(port)
            _ = idle
        }
    }

    /// A HEADERS block of 16 KB that adds one 4 KB field to the HPACK table and then refers to it
    /// ~12,000 times: 48 MB of header fields from one frame.
    static func hpackBomb(stream: UInt32) -> [UInt8] {
        var block: [UInt8] = [0x40, 0x06] + Array("x-bomb".utf8)   // literal, incremental indexing, new name
        block += [0x7f, 0xa1, 0x1e] + [UInt8](repeating: 0x61, count: 4000)  // value length 4000 (7-bit prefix)
        block += [UInt8](repeating: 0xbe, count: 16_384 - block.count)  // indexed field 62: that entry
        return RawFrames.frame(type: 1, flags: 0x4, stream: stream, payload: block)
    }

    @Test("an HPACK bomb is reset without decoding it; the same connection then serves a normal call")
    func hpackBombIsResetCheaply() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            var bytes = RawFrames.preface + RawFrames.settings()
            for stream in stride(from: UInt32(1), through: 31, by: 2) { bytes += Self.hpackBomb(stream: stream) }
            bytes += RawFrames.headers(stream: 33, RawFrames.grpcRequestFields)
            bytes += RawFrames.frame(type: 0, flags: 0x1, stream: 33, payload: [0, 0, 0, 0, 0])
            socket.send(bytes)
            let (received, _) = socket.readUntilClosed(timeout: 3000)
            let frames = RawFrames.parse(received)
            let resets = frames.filter { $0.type == 3 }.map { $0.stream }
            #expect(resets == Array(stride(from: UInt32(1), through: 31, by: 2)), "every bomb's stream reset: \(resets)")
            #expect(frames.contains { $0.type == 1 && $0.stream == 33 }, "the normal call was answered: \(frames.map { ($0.type, $0.stream) })")
            #expect(!frames.contains { $0.type == 7 }, "no GOAWAY: the connection is still good")
        }
    }

    @Test("PING and SETTINGS floods end with GOAWAY ENHANCE_YOUR_CALM, and the server keeps serving",
          arguments: [UInt8(6), UInt8(4)])
    func controlFrameFlood(frameType: UInt8) async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port)
            var bytes = RawFrames.preface + RawFrames.settings()
            let payload: [UInt8] = frameType == 6 ? Array(repeating: 7, count: 8) : []
            for _ in 0..<500 { bytes += RawFrames.frame(type: frameType, payload: payload) }
            socket.send(bytes)
            let (received, closed) = socket.readUntilClosed(timeout: 3000)
            let goAway = RawFrames.parse(received).first { $0.type == 7 }
            #expect(goAway?.errorCode == 11, "GOAWAY ENHANCE_YOUR_CALM, got \(String(describing: goAway?.errorCode))")
            #expect(closed)
            try await assertStillServing(port)
        }
    }

    @Test("the control-frame allowance: a burst, a steady rate, and sent traffic refills PINGs")
    func controlFrameLimit() {
        var limit = ControlFrameLimit()
        let second: UInt64 = 1_000_000_000
        var allowed = (0..<100).map { _ in limit.allowPing(at: second) }
        #expect(allowed.allSatisfy { $0 })
        var extra = limit.allowPing(at: second)
        #expect(!extra)
        // A second later, ten more.
        allowed = (0..<10).map { _ in limit.allowPing(at: 2 * second) }
        extra = limit.allowPing(at: 2 * second)
        #expect(allowed.allSatisfy { $0 } && !extra)
        // Traffic sent: a bandwidth-probing client may ping again.
        limit.sentTraffic()
        extra = limit.allowPing(at: 2 * second)
        #expect(extra)
        // SETTINGS has its own bucket, not refilled by traffic.
        allowed = (0..<100).map { _ in limit.allowSettings(at: 2 * second) }
        limit.sentTraffic()
        extra = limit.allowSettings(at: 2 * second)
        #expect(allowed.allSatisfy { $0 } && !extra)
    }

    @Test("stream resets: only resets of young streams spend the allowance")
    func resetLimit() {
        var limit = ControlFrameLimit(resetBurst: 10, resetsPerSecond: 5)
        let second: UInt64 = 1_000_000_000
        let young: UInt64 = 1_000_000  // reset 1 ms after it opened
        let old: UInt64 = second  // reset a second after it opened: a call that timed out
        var allowed = (0..<10).map { _ in limit.allowReset(ofStreamAged: young, at: second) }
        #expect(allowed.allSatisfy { $0 })
        var extra = limit.allowReset(ofStreamAged: young, at: second)
        #expect(!extra, "past the burst")
        allowed = (0..<10_000).map { _ in limit.allowReset(ofStreamAged: old, at: second) }
        #expect(allowed.allSatisfy { $0 }, "old streams are free")
        allowed = (0..<5).map { _ in limit.allowReset(ofStreamAged: young, at: 2 * second) }
        #expect(allowed.allSatisfy { $0 }, "refilled at the rate")
        extra = limit.allowReset(ofStreamAged: young, at: 2 * second)
        #expect(!extra)
    }

    @Test("a peer that asks for large answers and never opens its window pins a bounded amount: answers past the budget are refused")
    func unreadAnswersAreBounded() async throws {
        var configuration = ServerConfiguration.testing
        configuration.http2.maxBufferedOutboundBytes = 8 << 20
        configuration.maxBufferedResponseBytes = 16 << 20
        try await withServer(configuration: configuration) { port in
            let socket = try RawSocket(port: port)
            // SETTINGS_INITIAL_WINDOW_SIZE = 0: no DATA may ever be sent to us.
            var bytes = RawFrames.preface + RawFrames.frame(type: 4, payload: [0, 4, 0, 0, 0, 0])
            // SimpleRequest{response_size: 1 MiB}, framed.
            let request: [UInt8] = [0, 0, 0, 0, 4, 0x10, 0x80, 0x80, 0x40]
            let fields = RawFrames.grpcRequestFields.map { $0.0 == ":path" ? ($0.0, "/grpc.testing.BenchmarkService/UnaryCall") : $0 }
            for stream in stride(from: UInt32(1), through: 199, by: 2) {
                bytes += RawFrames.headers(stream: stream, fields)
                bytes += RawFrames.frame(type: 0, flags: 0x1, stream: stream, payload: request)
            }
            socket.send(bytes)
            let (received, _) = socket.readUntilClosed(timeout: 2000)
            let frames = RawFrames.parse(received)
            // Refused calls answer with one header block that ends the stream (grpc-status 8);
            // the ones that fit wait with their headers sent and their DATA held.
            let refused = frames.filter { $0.type == 1 && $0.flags & 0x1 != 0 }.count
            let held = frames.filter { $0.type == 1 && $0.flags & 0x1 == 0 }.count
            #expect(refused + held == 100, "\(refused) refused, \(held) held")
            #expect(held <= 8 && refused >= 92, "\(held) answers of 1 MiB held against an 8 MiB budget, \(refused) refused")
            #expect(!frames.contains { $0.type == 0 }, "no DATA past a zero window")
            try await assertStillServing(port)
        }
    }
}
