@testable import Courier
import CourierHTTP2
import NIOCore
import Testing

/// The client's gRPC call rules without a socket: what each response event means for the call.
@Suite("Client call state machine")
struct ClientCallStateMachineTests {
    typealias Machine = ClientCallStateMachine

    static let okHeaders = [HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc"), HTTP2Header("x-initial", "1")]
    static let okTrailers = [HTTP2Header("grpc-status", "0"), HTTP2Header("x-trailing", "2")]

    static func metadata(_ pairs: (String, String)...) -> Metadata {
        var metadata = Metadata()
        for (key, value) in pairs { metadata.add(key, value) }
        return metadata
    }

    static func framed(_ body: [UInt8]) -> [UInt8] { [0, 0, 0, 0, UInt8(body.count)] + body }

    static func receive(_ machine: inout Machine, _ bytes: [UInt8], delivered: inout [[UInt8]]) -> Machine.DataOutcome {
        var messages: [[UInt8]] = []
        let outcome = bytes.withUnsafeBytes { raw in machine.receiveData(raw) { messages.append(Array($0.bytes.readableBytesView)) } }
        delivered += messages
        return outcome
    }

    @Test("unary: headers, one message, trailers: OK with both metadata and the message")
    func unaryResponse() {
        var machine = Machine(singleResponse: true, maxMessageSize: 1 << 20)
        #expect(machine.receiveHeaders(Self.okHeaders, endStream: false) == .initialMetadata(Self.metadata(("x-initial", "1"))))
        var delivered: [[UInt8]] = []
        #expect(Self.receive(&machine, Self.framed([7, 7]), delivered: &delivered) == .accepted)
        #expect(delivered.isEmpty, "a single response is kept, not delivered as it comes")
        #expect(machine.receiveHeaders(Self.okTrailers, endStream: true)
            == .end(.init(status: nil, trailingMetadata: Self.metadata(("x-trailing", "2")))))
        #expect(machine.singleResponseMessage?.bytes == ByteBuffer(bytes: [7, 7]))
        #expect(machine.isCompleted)
        #expect(machine.receiveHeaders(Self.okTrailers, endStream: true) == .ignore, "one ending per call")
    }

    @Test("unary: no message or two messages with OK is INTERNAL")
    func unaryCount() {
        for count in [0, 2] {
            var machine = Machine(singleResponse: true, maxMessageSize: 1 << 20)
            _ = machine.receiveHeaders(Self.okHeaders, endStream: false)
            var delivered: [[UInt8]] = []
            for _ in 0..<count { _ = Self.receive(&machine, Self.framed([1]), delivered: &delivered) }
            guard case .end(let ending) = machine.receiveHeaders(Self.okTrailers, endStream: true) else {
                Issue.record("trailers did not end the call")
                continue
            }
            #expect(ending.status == RPCError(code: .internal, message: "expected one response message, received \(count)"))
        }
    }

    @Test("Trailers-Only: the status from the one block, initial metadata empty, trailing metadata kept")
    func trailersOnly() {
        var machine = Machine(singleResponse: true, maxMessageSize: 1 << 20)
        let block = [HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc"),
                     HTTP2Header("grpc-status", "5"), HTTP2Header("grpc-message", "no%20shop"), HTTP2Header("x-why", "gone")]
        let trailing = Self.metadata(("x-why", "gone"))
        #expect(machine.receiveHeaders(block, endStream: true) == .end(.init(
            status: RPCError(code: .notFound, message: "no shop", metadata: trailing), initialMetadata: Metadata(), trailingMetadata: trailing)))
    }

    @Test("HTTP errors map to gRPC codes; a non-gRPC content type is UNKNOWN")
    func httpLevelErrors() {
        func status(_ headers: [HTTP2Header]) -> RPCError? {
            var machine = Machine(singleResponse: true, maxMessageSize: 1 << 20)
            if case .end(let ending) = machine.receiveHeaders(headers, endStream: false) { return ending.status }
            return nil
        }
        #expect(status([HTTP2Header(":status", "503")]) == RPCError(code: .unavailable, message: "HTTP status 503"))
        #expect(status([HTTP2Header(":status", "404")])?.code == .unimplemented)
        #expect(status([HTTP2Header(":status", "429"), HTTP2Header("grpc-status", "8")])?.code == .resourceExhausted)
        #expect(status([HTTP2Header(":status", "500"), HTTP2Header("grpc-status", "0")])?.code == .unknown, "never OK from an HTTP error")
        #expect(status([HTTP2Header(":status", "200"), HTTP2Header("content-type", "text/html")])?.code == .unknown)
    }

    @Test("trailers without grpc-status, after half a message, or a second non-final block are INTERNAL")
    func brokenEndings() {
        var noStatus = Machine(singleResponse: false, maxMessageSize: 1 << 20)
        _ = noStatus.receiveHeaders(Self.okHeaders, endStream: false)
        #expect(noStatus.receiveHeaders([HTTP2Header("x", "y")], endStream: true)
            == .end(.init(status: RPCError(code: .internal, message: "the response ended without grpc-status"), trailingMetadata: Self.metadata(("x", "y")))))

        var truncated = Machine(singleResponse: false, maxMessageSize: 1 << 20)
        _ = truncated.receiveHeaders(Self.okHeaders, endStream: false)
        var delivered: [[UInt8]] = []
        _ = Self.receive(&truncated, Array(Self.framed([1, 2, 3]).prefix(6)), delivered: &delivered)
        guard case .end(let ending) = truncated.receiveHeaders(Self.okTrailers, endStream: true) else {
            Issue.record("trailers did not end the call")
            return
        }
        #expect(ending.status?.message == "the response ended inside a message (truncated message)")

        var second = Machine(singleResponse: false, maxMessageSize: 1 << 20)
        _ = second.receiveHeaders(Self.okHeaders, endStream: false)
        #expect(second.receiveHeaders(Self.okHeaders, endStream: false)
            == .end(.init(status: RPCError(code: .internal, message: "received a second header block that does not end the stream"))))

        var noTrailers = Machine(singleResponse: false, maxMessageSize: 1 << 20)
        _ = noTrailers.receiveHeaders(Self.okHeaders, endStream: false)
        #expect(noTrailers.receiveEndWithoutTrailers()?.code == .internal)
        #expect(noTrailers.receiveEndWithoutTrailers() == nil)
    }

    @Test("streaming: messages delivered as they complete; an oversized one fails the call")
    func streamingResponses() {
        var machine = Machine(singleResponse: false, maxMessageSize: 3)
        _ = machine.receiveHeaders(Self.okHeaders, endStream: false)
        var delivered: [[UInt8]] = []
        #expect(Self.receive(&machine, Self.framed([1]) + Self.framed([2, 2]), delivered: &delivered) == .accepted)
        #expect(delivered == [[1], [2, 2]])
        guard case .failed(let error) = Self.receive(&machine, Self.framed([3, 3, 3, 3]), delivered: &delivered) else {
            Issue.record("an oversized message was accepted")
            return
        }
        #expect(error.code == .resourceExhausted)
        #expect(machine.isCompleted)
        #expect(Self.receive(&machine, Self.framed([1]), delivered: &delivered) == .ignored)
    }

    @Test("a closed stream: refused before headers is retried transparently; the rest map to statuses")
    func streamClosed() {
        func outcome(_ code: UInt32, afterHeaders: Bool = false, goAway: Bool = false) -> Machine.CloseOutcome {
            var machine = Machine(singleResponse: true, maxMessageSize: 1 << 20)
            if afterHeaders { _ = machine.receiveHeaders(Self.okHeaders, endStream: false) }
            return machine.streamClosed(errorCode: code, receivedGoAway: goAway, closeReason: nil)
        }
        #expect(outcome(HTTP2ErrorCode.refusedStream) == .retryTransparently)
        #expect(outcome(HTTP2ErrorCode.refusedStream, afterHeaders: true) == .fail(RPCError(code: .internal, message: "the stream was reset: REFUSED_STREAM")))
        #expect(outcome(HTTP2ErrorCode.cancel) == .fail(RPCError(code: .cancelled, message: "the server cancelled the stream")))
        #expect(outcome(HTTP2ErrorCode.noError) == .fail(RPCError(code: .unavailable, message: "the stream closed before a response")))
        #expect(outcome(HTTP2ErrorCode.internalError) == .fail(RPCError(code: .unavailable, message: "the connection was lost")))
        #expect(outcome(HTTP2ErrorCode.internalError, goAway: true) == .fail(RPCError(code: .internal, message: "the stream was reset: INTERNAL_ERROR")))
        var told = Machine(singleResponse: true, maxMessageSize: 1 << 20)
        #expect(told.streamClosed(errorCode: HTTP2ErrorCode.internalError, receivedGoAway: true, closeReason: "the peer ended the connection with GOAWAY ENHANCE_YOUR_CALM (too_many_pings)")
            == .fail(RPCError(code: .unavailable, message: "the peer ended the connection with GOAWAY ENHANCE_YOUR_CALM (too_many_pings)")))

        var ended = Machine(singleResponse: true, maxMessageSize: 1 << 20)
        let cancelled = ended.cancel()
        #expect(cancelled)
        #expect(ended.streamClosed(errorCode: HTTP2ErrorCode.cancel, receivedGoAway: false, closeReason: nil) == .none)
        let again = ended.cancel()
        #expect(!again, "a call ends once")
    }
}
