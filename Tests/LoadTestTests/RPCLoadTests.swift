import Courier
import CourierInterop
@testable import loadtest
import Synchronization
import Testing

@Suite("loadtest rpc against a real server", .timeLimit(.minutes(1)))
struct RPCLoadTests {
    // A SimpleRequest asking for a 16-byte response (response_size = 16) with a 16-byte payload.
    let request: [UInt8] = [0x10, 0x10, 0x1a, 0x12, 0x12, 0x10] + [UInt8](repeating: 0, count: 16)
    let method = MethodDescriptor(service: "grpc.testing.BenchmarkService", method: "UnaryCall", kind: .unary)

    func withInteropServer(_ body: (Int) async throws -> Void) async throws {
        var configuration = ServerConfiguration()
        configuration.threads = 1
        try await InteropServer.make(configuration: configuration).0.serving(body)
    }

    @Test("closed loop by count: exactly the count is measured, all answered (calls chained on the event loops, or a task each)",
          arguments: [false, true])
    func closedLoop(asyncCalls: Bool) async throws {
        try await withInteropServer { port in
            var configuration = ChannelConfiguration()
            configuration.connections = 2
            let channel = GRPCChannel(host: "127.0.0.1", port: port, configuration: configuration)
            // The deadline only guards against a hang: in CI the ASan suite runs beside Redis,
            // PostgreSQL and reco child processes on two cores (5 s was missed by 4 calls of 500).
            let load = RPCLoad(channel: channel, method: method, request: request, settings: .init(
                total: 500, duration: nil, warmup: .milliseconds(100), rate: nil, workers: 4, deadline: .seconds(30), maxInFlight: 100,
                streams: 2, asyncCalls: asyncCalls))
            let result = await load.run(progress: false)
            await channel.close()
            #expect(result.sent == 500)
            #expect(result.latency.histogram.totalCount == 500)
            #expect(result.latency.errors.isEmpty)
            // The echo of a 16-byte payload: SimpleResponse{payload{body}} is 20 bytes.
            #expect(result.responseBytes == 500 * 20)
        }
    }

    @Test("a deadline travels as grpc-timeout; none (--deadline 0) sends no grpc-timeout", arguments: [true, false])
    func deadlineOrNone(withDeadline: Bool) async throws {
        let seen = DeadlinesSeen()
        let result = try await Server(services: [BenchmarkServiceProvider()], interceptors: [seen]).serving { port in
            try await GRPCChannel(host: "127.0.0.1", port: port).closing { channel in
                await RPCLoad(channel: channel, method: method, request: request, settings: .init(
                    total: 20, duration: nil, warmup: .zero, rate: nil, workers: 2, deadline: withDeadline ? .seconds(5) : nil,
                    maxInFlight: 100)).run(progress: false)
            }
        }
        #expect(result.latency.histogram.totalCount == 20)
        // Every call the server saw (warm-up ones too) came with a deadline, or every one without.
        let (with, without) = seen.counts
        #expect(withDeadline ? with >= 20 && without == 0 : with == 0 && without >= 20)
    }

    @Test("open loop over several connections: each carries its share (a wake-up's calls go out together on one, then the next)")
    func openLoopSharesConnections() async throws {
        let peers = PeersSeen()
        // Every call must reach the handler to be counted: no shedding by admission control.
        var serverConfiguration = ServerConfiguration()
        serverConfiguration.concurrencyLimit = nil
        let server = Server(services: [BenchmarkServiceProvider()], configuration: serverConfiguration, interceptors: [peers])
        let result = try await server.serving { port in
            var configuration = ChannelConfiguration()
            configuration.connections = 4
            return try await GRPCChannel(host: "127.0.0.1", port: port, configuration: configuration).closing { channel in
                await RPCLoad(channel: channel, method: method, request: request, settings: .init(
                    total: nil, duration: .seconds(1), warmup: .zero, rate: 2000, workers: 1, deadline: .seconds(30),
                    maxInFlight: 2000)).run(progress: false)
            }
        }
        #expect(result.latency.errors.isEmpty && result.dropped == 0, "errors \(result.latency.errors), dropped \(result.dropped)")
        let counts = peers.counts
        #expect(counts.count == 4, "calls came over \(counts.count) connections")
        let total = counts.values.reduce(0, +)
        #expect(total >= result.sent)
        for (peer, calls) in counts {
            #expect(abs(calls - total / 4) <= total / 20, "\(peer) carried \(calls) of \(total)")
        }
    }

    @Test("open loop by duration: the schedule's count is sent, and errors are counted by status")
    func openLoop() async throws {
        try await withInteropServer { port in
            let channel = GRPCChannel(host: "127.0.0.1", port: port)
            let load = RPCLoad(channel: channel, method: method, request: request, settings: .init(
                total: nil, duration: .seconds(1), warmup: .milliseconds(200), rate: 200, workers: 1, deadline: .seconds(5), maxInFlight: 1000))
            let result = await load.run(progress: false)
            #expect(abs(result.sent - 200) <= 1)
            #expect(Int(result.latency.histogram.totalCount) + result.latency.errors.values.reduce(0, +) == result.sent)
            // Sent from the event loops, each call's send lag measured; failures and OK calls in one histogram.
            #expect(Int(result.sendLag?.histogram.totalCount ?? 0) == result.sent - result.dropped)
            #expect(result.latency.allCalls.totalCount == result.latency.histogram.totalCount + UInt64(result.latency.errors.values.reduce(0, +)))

            let unknown = RPCLoad(channel: channel, method: MethodDescriptor(service: "grpc.testing.BenchmarkService", method: "Nope", kind: .unary),
                                  request: request, settings: .init(total: 20, duration: nil, warmup: .zero, rate: nil, workers: 2,
                                                                    deadline: .seconds(5), maxInFlight: 100))
            let failed = await unknown.run(progress: false)
            #expect(failed.latency.errors == ["UNIMPLEMENTED": 20])
            #expect(failed.latency.histogram.totalCount == 0)
            await channel.close()

            // Nothing listening: every call fails fast with UNAVAILABLE, counted, and the run ends.
            let nowhere = GRPCChannel(host: "127.0.0.1", port: 1)
            let refused = await RPCLoad(channel: nowhere, method: method, request: request, settings: .init(
                total: 50, duration: nil, warmup: .zero, rate: nil, workers: 2, deadline: .seconds(5), maxInFlight: 100)).run(progress: false)
            #expect(refused.latency.errors == ["UNAVAILABLE": 50])
            await nowhere.close()
        }
    }
}

/// Counts the calls that arrived with a deadline and without one.
private final class DeadlinesSeen: ServerInterceptor {
    private let state = Mutex((with: 0, without: 0))

    var counts: (Int, Int) { state.withLock { ($0.with, $0.without) } }

    func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
        state.withLock { counts in
            if context.deadline == nil { counts.without += 1 } else { counts.with += 1 }
        }
        try await next(context)
    }
}

/// How many calls arrived over each client connection (by its address).
private final class PeersSeen: ServerInterceptor {
    private let state = Mutex([String: Int]())

    var counts: [String: Int] { state.withLock { $0 } }

    func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
        state.withLock { $0[context.peer, default: 0] += 1 }
        try await next(context)
    }
}
