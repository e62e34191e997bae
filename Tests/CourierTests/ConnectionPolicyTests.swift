import Courier
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
        let listener = try FullBacklogListener()
        defer { listener.close() }
        try await GRPCChannel(host: "127.0.0.1", port: listener.port).closing { channel in
            let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
            for _ in 0..<3 {
                let start = ContinuousClock.now
                let error = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest(), options: CallOptions(timeout: .milliseconds(200))) }
                let elapsed = ContinuousClock.now - start
                #expect(error?.code == .deadlineExceeded, "\(String(describing: error))")
                // Far below the 10 s connect timeout it used to wait out (loose: CI hosts stall).
                #expect(elapsed < .seconds(3), "took \(elapsed)")
            }
        }
    }

    @Test("an address that refused a connection backs off: the next calls fail at once without dialling, then it is tried again")
    func refusedAddressBacksOff() async throws {
        let port = try unusedPort()
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

/// A listener with a backlog of one that never accepts, filled by two connections of its own:
/// the kernel then drops further SYNs, so a connect to it neither completes nor fails.
final class FullBacklogListener {
    let port: Int
    private let descriptor: Int32
    private var fillers: [Int32] = []

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 0) == 0 else { throw TestFailure("bind/listen failed") }
        let port = boundPort(descriptor)
        self.port = port
        // Fill the accept queue (its size is the backlog + 1) and then some.
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var target = loopback(port: port)
            _ = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(filler)
        }
        usleep(50_000)
    }

    func close() {
        for filler in fillers { Glibc.close(filler) }
        Glibc.close(descriptor)
    }
}

/// A port bound and accepting when asked; counts the connections it accepted.
final class ConnectionCounter: @unchecked Sendable {
    private let descriptor: Int32
    private let count = NIOLockedValueBox(0)
    private var thread: Thread?

    init(port: Int, startListening: Bool) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind failed") }
        if startListening { try listen() }
    }

    func listen() throws {
        guard Glibc.listen(descriptor, 16) == 0 else { throw TestFailure("listen failed") }
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

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}

func boundPort(_ descriptor: Int32) -> Int {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A port nothing listens on (bound for a moment, then released).
func unusedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TestFailure("bind failed") }
    return boundPort(descriptor)
}
