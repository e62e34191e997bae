import Courier
import CourierInterop
import Testing

@Suite("PING keepalive", .timeLimit(.minutes(1)))
struct KeepaliveTests {
    @Test func theServerPingsAndDropsAPeerThatNeverAnswers() async throws {
        var configuration = ServerConfiguration.testing
        configuration.http2.keepaliveInterval = .milliseconds(100)
        configuration.http2.keepaliveTimeout = .milliseconds(200)
        try await withServer(configuration: configuration) { port in
            let socket = try RawSocket(port: port)
            socket.send(RawFrames.preface + RawFrames.settings())
            let (bytes, closed) = socket.readUntilClosed(timeout: 2000)
            let frames = RawFrames.parse(bytes)
            #expect(frames.contains { $0.type == 6 && $0.flags & 1 == 0 }, "a PING (not an ACK) was sent")
            #expect(closed && frames.contains { $0.type == 7 }, "then GOAWAY and close when it went unanswered")
        }
    }

    @Test func aPeerThatAnswersPingsKeepsItsConnection() async throws {
        var configuration = ServerConfiguration.testing
        // Timeouts with room for AddressSanitizer builds on two busy cores.
        configuration.http2.keepaliveInterval = .milliseconds(100)
        configuration.http2.keepaliveTimeout = .milliseconds(1000)
        try await withServer(configuration: configuration) { port in
            try await withChannel(port: port) { channel in
                try await InteropTestCase.emptyUnary.run(on: channel)
                // Several keepalive rounds pass; nghttp2 on the client side acknowledges each.
                try await Task.sleep(for: .milliseconds(800))
                try await InteropTestCase.emptyUnary.run(on: channel)
            }
        }
    }
}
