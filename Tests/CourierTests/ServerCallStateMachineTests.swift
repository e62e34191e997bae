@testable import Courier
import CourierHTTP2
import NIOCore
import Testing

/// The server's gRPC call rules without a socket: events in, actions out.
@Suite("Server call state machine")
struct ServerCallStateMachineTests {
    typealias Machine = ServerCallStateMachine

    static func machine(maxMessageSize: Int = 1 << 20) -> Machine {
        Machine(maxMessageSize: maxMessageSize, allocator: ByteBufferAllocator())
    }

    /// A Length-Prefixed-Message holding `body`.
    static func framed(_ body: [UInt8]) -> [UInt8] {
        [0, UInt8(body.count >> 24 & 0xff), UInt8(body.count >> 16 & 0xff), UInt8(body.count >> 8 & 0xff), UInt8(body.count & 0xff)] + body
    }

    /// Feeds `bytes`, collecting what a streaming request delivers.
    static func receive(_ machine: inout Machine, _ bytes: [UInt8], delivered: inout [[UInt8]]) -> Machine.DataOutcome {
        var messages: [[UInt8]] = []
        let outcome = bytes.withUnsafeBytes { raw in machine.receiveData(raw) { messages.append(Array($0.bytes.readableBytesView)) } }
        delivered += messages
        return outcome
    }

    static func receive(_ machine: inout Machine, _ bytes: [UInt8]) -> Machine.DataOutcome {
        var ignored: [[UInt8]] = []
        return receive(&machine, bytes, delivered: &ignored)
    }

    static func opened(_ kind: RPCKind) -> Machine {
        var machine = machine()
        #expect(machine.receiveHeaders(endStream: false) == .validate)
        _ = machine.accept(kind: kind)
        return machine
    }

    @Test("unary: one message, then END_STREAM starts the handler with it, split however it arrives")
    func unaryRequestStartsTheHandler() {
        var machine = Self.opened(.unary)
        let message = Self.framed([1, 2, 3, 4, 5, 6, 7])
        for chunk in [Array(message[0..<2]), Array(message[2..<9]), Array(message[9...])] {
            #expect(Self.receive(&machine, chunk) == .accepted)
        }
        #expect(machine.receiveEnd() == .startHandler(request: ReceivedMessage(bytes: ByteBuffer(bytes: [1, 2, 3, 4, 5, 6, 7]))))
        #expect(machine.receiveEnd() == .none, "END_STREAM counts once")
    }

    @Test("unary: a second message, no message, or a truncated one is INTERNAL")
    func unaryRequestRules() {
        var two = Self.opened(.unary)
        #expect(Self.receive(&two, Self.framed([1]) + Self.framed([2])) == .failed(RPCError(code: .internal, message: "unary call received more than one request message")))

        var none = Self.opened(.serverStreaming)
        #expect(none.receiveEnd() == .fail(RPCError(code: .internal, message: "the client half-closed without sending a request message")))

        var truncated = Self.opened(.unary)
        #expect(Self.receive(&truncated, Array(Self.framed([1, 2, 3]).prefix(6))) == .accepted)
        #expect(truncated.receiveEnd() == .fail(RPCError(code: .internal, message: "the request stream ended inside a message (truncated message)")))
    }

    @Test("a message over the receive limit, or a compressed one, fails the call")
    func deframingErrors() {
        var machine = Self.machine(maxMessageSize: 4)
        _ = machine.receiveHeaders(endStream: false)
        _ = machine.accept(kind: .unary)
        guard case .failed(let error) = Self.receive(&machine, Self.framed([1, 2, 3, 4, 5])) else {
            Issue.record("an oversized message was accepted")
            return
        }
        #expect(error.code == .resourceExhausted)

        var compressed = Self.opened(.unary)
        guard case .failed(let flagged) = Self.receive(&compressed, [1, 0, 0, 0, 1, 9]) else {
            Issue.record("a compressed message was accepted")
            return
        }
        #expect(flagged.code == .internal)
    }

    @Test("streaming requests: the handler starts at once, messages flow as they complete, END_STREAM finishes them")
    func clientStreaming() {
        var machine = Self.machine()
        _ = machine.receiveHeaders(endStream: false)
        let startsNow = machine.accept(kind: .bidirectionalStreaming)
        #expect(startsNow, "a streaming handler starts before any message")
        var delivered: [[UInt8]] = []
        let bytes = Self.framed([1]) + Self.framed([2, 2]) + Self.framed([3, 3, 3])
        #expect(Self.receive(&machine, Array(bytes.prefix(15)), delivered: &delivered) == .accepted)
        #expect(delivered == [[1], [2, 2]])
        #expect(Self.receive(&machine, Array(bytes.dropFirst(15)), delivered: &delivered) == .accepted)
        #expect(delivered == [[1], [2, 2], [3, 3, 3]])
        #expect(machine.receiveHeaders(endStream: true) == .endOfRequests(.finishRequests), "trailers with END_STREAM end the requests")
    }

    @Test("bytes before routing, after a refusal or after the end are given back, not deframed")
    func ignoredData() {
        var unrouted = Self.machine()
        _ = unrouted.receiveHeaders(endStream: false)
        #expect(Self.receive(&unrouted, Self.framed([1])) == .ignored)

        var refused = Self.machine()
        _ = refused.receiveHeaders(endStream: false)
        refused.reject()
        #expect(refused.isFinished)
        #expect(Self.receive(&refused, Self.framed([1])) == .ignored)
        #expect(refused.receiveHeaders(endStream: true) == .ignore)
        #expect(refused.sendMessage() == .refuse)

        var ended = Self.opened(.unary)
        _ = Self.receive(&ended, Self.framed([1]))
        _ = ended.receiveEnd()
        #expect(Self.receive(&ended, Self.framed([2])) == .ignored)
    }

    @Test("response headers go before the first message only; OK after a response uses the shared trailers")
    func responseOrder() {
        var machine = Self.opened(.serverStreaming)
        #expect(machine.sendMessage() == .send(withHeaders: true))
        #expect(machine.sendMessage() == .send(withHeaders: false))
        #expect(machine.finish(status: nil, initialMetadata: Metadata(), trailingMetadata: Metadata()) == .sendOKTrailers)
        #expect(machine.finish(status: nil, initialMetadata: Metadata(), trailingMetadata: Metadata()) == .none, "one status per call")
        #expect(machine.sendMessage() == .refuse)
    }

    @Test("an error after a response goes in trailers; before any, in one Trailers-Only block")
    func statusPlacement() {
        var trailing = Metadata()
        trailing.add("x-why", "because")
        var initial = Metadata()
        initial.add("x-first", "1")
        let error = RPCError(code: .notFound, message: "no such shop 100%")

        var afterResponse = Self.opened(.unary)
        _ = afterResponse.sendMessage()
        #expect(afterResponse.finish(status: error, initialMetadata: initial, trailingMetadata: trailing) == .sendTrailers([
            HTTP2Header("grpc-status", "5"), HTTP2Header("grpc-message", "no such shop 100%25"), HTTP2Header("x-why", "because"),
        ]))

        var beforeResponse = Self.opened(.unary)
        #expect(beforeResponse.finish(status: error, initialMetadata: initial, trailingMetadata: trailing) == .sendTrailersOnly([
            HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc"), HTTP2Header("x-first", "1"),
            HTTP2Header("grpc-status", "5"), HTTP2Header("grpc-message", "no such shop 100%25"), HTTP2Header("x-why", "because"),
        ]))
    }

    @Test("the deadline ends a live call only; a closed stream stops a live handler only")
    func deadlineAndClose() {
        var live = Self.opened(.unary)
        #expect(live.deadlineExpired()?.code == .deadlineExceeded)
        let stopsLive = live.streamClosed()
        #expect(stopsLive, "a live call's handler is stopped")
        #expect(live.isFinished)

        var done = Self.opened(.unary)
        _ = done.finish(status: nil, initialMetadata: Metadata(), trailingMetadata: Metadata())
        #expect(done.deadlineExpired() == nil)
        let stopsDone = done.streamClosed()
        #expect(!stopsDone, "a finished call has nothing to stop")
    }

    @Test("request headers: POST, an application/grpc content type, identity, a valid timeout")
    func requestHead() throws {
        func head(_ fields: [(String, String)]) -> Result<ServerRequestHead, ServerRequestHead.Rejection> {
            ServerRequestHead.parse(fields.map { HTTP2Header($0.0, $0.1) })
        }
        let good = [(":method", "POST"), (":path", "/a.B/C"), ("content-type", "application/grpc+proto")]
        #expect(try head(good + [("grpc-timeout", "250m"), ("x-courier-criticality", "critical")]).get()
            == ServerRequestHead(path: "/a.B/C", timeout: .milliseconds(250), critical: true))
        #expect(try head(good).get() == ServerRequestHead(path: "/a.B/C", timeout: nil, critical: false))

        func rejection(_ fields: [(String, String)]) -> ServerRequestHead.Rejection? {
            if case .failure(let rejection) = head(fields) { return rejection }
            return nil
        }
        #expect(rejection([(":method", "GET"), (":path", "/a.B/C"), ("content-type", "application/grpc")])?.httpStatus == 405)
        #expect(rejection([(":method", "POST"), (":path", "/a.B/C"), ("content-type", "text/html")])?.httpStatus == 415)
        #expect(rejection([(":method", "POST"), (":path", "/a.B/C")])?.httpStatus == 415)
        #expect(rejection(good + [("grpc-encoding", "br")])?.error
            == RPCError(code: .unimplemented, message: "grpc-encoding 'br' is not supported (supported: gzip,deflate,identity)"))
        #expect(rejection(good + [("grpc-encoding", "identity")]) == nil)
        #expect(try head(good + [("grpc-encoding", "gzip"), ("grpc-accept-encoding", "deflate , gzip,br")]).get().encoding == .gzip)
        let accepted = try head(good + [("grpc-accept-encoding", "deflate , br")]).get().acceptedEncodings
        #expect(accepted.contains(.deflate) && accepted.contains(.identity) && !accepted.contains(.gzip))
        #expect(try head(good).get().acceptedEncodings == .identityOnly)
        #expect(rejection(good + [("grpc-timeout", "12x")])?.error == RPCError(code: .internal, message: "malformed grpc-timeout '12x'"))
    }

    @Test("a refusal carries its HTTP status; UNIMPLEMENTED names the encodings accepted")
    func rejectionFields() {
        let fields = ServerResponseFields.rejection(httpStatus: 200, RPCError(code: .unimplemented, message: "unknown service 'x'"))
        #expect(fields.first(":status") == "200")
        #expect(fields.first("grpc-status") == "12")
        #expect(fields.first("grpc-accept-encoding") == "gzip,deflate,identity")
        #expect(ServerResponseFields.rejection(httpStatus: 415, RPCError(code: .internal, message: "")).first("grpc-message") == nil)
    }
}
