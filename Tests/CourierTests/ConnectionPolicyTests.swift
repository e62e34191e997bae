import Courier
import CourierTestSupport
import CourierProtos
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A call's deadline bounds its connection attempt; an address that failed backs off; a client
/// says GOAWAY before it closes.
@Suite("Connection policy over real sockets", .timeLimit(.minutes(1)))
struct ConnectionPolicyTests {
    @Test("backoff follows gRPC's connection-backoff.md: 1 s, x1.6, at most 120 s, jitter within 20%")
    func backoffSequence() {
        let backoff = ConnectionBackoff()
        let waits = (1...12).map { backoff.unjittered(afterFailures: $0).nanoseconds / 1_000_000 }
        #expect(waits.prefix(5) == [1000, 1600, 2560, 4096, 6553])
        #expect(backoff.unjittered(afterFailures: 40) == .seconds(120))
        var random = SystemRandomNumberGenerator()
        for failures in 1...20 {
            let base = Double(backoff.unjittered(afterFailures: failures).nanoseconds)
            let jittered = Double(backoff.wait(afterFailures: failures, using: &random).nanoseconds)
            #expect(jittered >= base * 0.8 - 1 && jittered <= base * 1.2 + 1)
        }
    }

    @Test("a peer whose connect never completes (accept backlog full): the call ends at its deadline, not the connect timeout")
    func connectBoundedByDeadline() async throws {
        let listener = try StalledListener(backlogFull: true)
        defer { listener.close() }
        try await GRPCChannel(host: "127.0.0.1", port: listener.port).closing { channel in
            let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
            for _ in 0..<3 {
                let start = ContinuousClock.now
                let error = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest(), options: CallOptions(timeout: .milliseconds(200))) }
                let elapsed = ContinuousClock.now - start
                #expect(error?.code == .deadlineExceeded, "\(String(describing: error))")
                // Far below the 10 s connect timeout it used to wait out (loose: a starved CI host
                // runs the deadline's timer late; 3.8 s was seen with both cores compiling).
                #expect(elapsed < .seconds(6), "took \(elapsed)")
            }
        }
    }

    @Test("an address that refused a connection backs off: the next calls fail at once without dialling, then it is tried again")
    func refusedAddressBacksOff() async throws {
        let port = try freeLoopbackPort()
        var configuration = ChannelConfiguration()
        configuration.backoff.initial = .milliseconds(300)
        configuration.backoff.jitter = 0
        let counter = try ConnectionCounter(port: port, startListening: false)
        try await GRPCChannel(host: "127.0.0.1", port: port, configuration: configuration).closing { channel in
            let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
            let first = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest()) }
            #expect(first?.code == .unavailable && first?.message.contains("cannot connect") == true, "\(String(describing: first))")
            // Something listens now, but the address is in backoff: no dial, an immediate UNAVAILABLE.
            try counter.listen()
            let second = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest()) }
            #expect(second?.code == .unavailable && second?.message.contains("next attempt in") == true, "\(String(describing: second))")
            #expect(counter.accepted == 0)
            try await Task.sleep(for: .milliseconds(400))
            _ = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest(), options: CallOptions(timeout: .milliseconds(300))) }
            // (It accepts and closes at once, so the call's transparent retry may dial more than once.)
            #expect(counter.accepted >= 1, "the backoff over, the address is dialled again")
        }
    }

    @Test("closing a channel sends GOAWAY (NO_ERROR) before the socket closes")
    func goAwayOnClose() async throws {
        let received = NIOLockedValueBox<[UInt8]>([])
        let closed = NIOLockedValueBox(false)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(RecordingHTTP2Peer(received: received, closed: closed)) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let channel = GRPCChannel(host: "127.0.0.1", port: server.localAddress!.port!)
        try await channel.connect()
        await channel.close()
        for _ in 0..<100 where !closed.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        let bytes = received.withLockedValue { $0 }
        #expect(bytes.count > 24)
        let frames = RawFrames.parse(Array(bytes.dropFirst(24)))  // after the client preface
        let goAway = frames.first { $0.type == 7 }
        #expect(goAway != nil, "frames: \(frames.map { $0.type })")
        #expect(goAway?.errorCode == 0)
    }
}

/// A port bound and accepting when asked; counts the connections it accepted.
final class ConnectionCounter: @unchecked Sendable {
    private let descriptor: Int32
    private let count = NIOLockedValueBox(0)
    private var thread: Thread?

    init(port: Int, startListening: Bool) throws {
        descriptor = try boundLoopbackSocket(port: port).descriptor
        if startListening { try listen() }
    }

    func listen() throws {
        guard Glibc.listen(descriptor, 16) == 0 else { throw SocketSetupError("listen failed") }
        let descriptor = self.descriptor
        let count = self.count
        let thread = Thread {
            while true {
                let accepted = accept(descriptor, nil, nil)
                if accepted < 0 { return }
                count.withLockedValue { $0 += 1 }
                Glibc.close(accepted)
            }
        }
        thread.start()
        self.thread = thread
    }

    var accepted: Int { count.withLockedValue { $0 } }

    deinit {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }
}

/// Answers the client's preface with SETTINGS and records every byte it is sent.
private final class RecordingHTTP2Peer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let received: NIOLockedValueBox<[UInt8]>
    let closed: NIOLockedValueBox<Bool>

    init(received: NIOLockedValueBox<[UInt8]>, closed: NIOLockedValueBox<Bool>) {
        self.received = received
        self.closed = closed
    }

    func channelActive(context: ChannelHandlerContext) {
        let settings = RawFrames.settings() + RawFrames.frame(type: 4, flags: 1)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: settings)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytesView
        received.withLockedValue { $0 += bytes }
    }

    func channelInactive(context: ChannelHandlerContext) { closed.withLockedValue { $0 = true } }
}
