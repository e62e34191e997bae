import Courier
import CourierInterop
import CourierProtos
import NIOConcurrencyHelpers
import Testing

@Suite("Graceful shutdown, interceptors, connection reuse", .timeLimit(.minutes(1)))
struct ServerLifecycleTests {
    @Test func gracefulShutdownLetsInFlightCallsFinishAndRefusesNewOnes() async throws {
        let probe = ProbeService()
        let server = Server(services: [probe], configuration: .testing)
        let port = try await server.start(host: "127.0.0.1", port: 0)
        try await withChannel(port: port) { channel in
            let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
            let inFlight = Task { try await client.unaryCall(ProbeService.sleepRequest(milliseconds: 500)) }
            try await eventually { probe.observations.withLockedValue { $0.started } == 1 }
            let shutdown = Task { await server.shutdownGracefully() }
            // The call that was running when shutdown began completes normally.
            _ = try await inFlight.value
            await shutdown.value
            #expect(probe.observations.withLockedValue { $0.completed } == 1)
            let error = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest()) }
            #expect(error?.code == .unavailable)
        }
    }

    @Test func interceptorsSeeEveryCallAndCanRejectIt() async throws {
        let log = NIOLockedValueBox<[String]>([])
        let probe = ProbeService()
        try await withServer(services: [probe], interceptors: [RequireUser(log: log)]) { port in
            try await withChannel(port: port) { channel in
                let anonymous = Grpc_Testing_BenchmarkService.Client(channel: channel)
                #expect(await rpcError { _ = try await anonymous.unaryCall(Grpc_Testing_SimpleRequest()) }?.code == .unauthenticated)
                #expect(probe.observations.withLockedValue { $0.started } == 0, "a rejected call never reaches its handler")
            }
            var configuration = ChannelConfiguration()
            configuration.interceptors = [AddUser(name: "ada")]
            try await withChannel(port: port, configuration: configuration) { channel in
                let response = try await Grpc_Testing_BenchmarkService.Client(channel: channel).unaryCall(Grpc_Testing_SimpleRequest())
                #expect(response.username == "ada")
            }
        }
        #expect(log.withLockedValue { $0 } == [
            "grpc.testing.BenchmarkService/UnaryCall denied", "grpc.testing.BenchmarkService/UnaryCall by ada: OK",
        ])
    }

    @Test func metadataTravelsBothWays() async throws {
        let probe = ProbeService()
        try await withServer(services: [probe]) { port in
            try await withChannel(port: port) { channel in
                var metadata = Metadata()
                metadata.add("x-user", "grace")
                metadata.add("x-trace-bin", bytes: [0, 1, 2, 254, 255])
                metadata.add("x-multi", "a")
                metadata.add("x-multi", "b")
                _ = try await Grpc_Testing_BenchmarkService.Client(channel: channel).unaryCall(Grpc_Testing_SimpleRequest(), options: CallOptions(metadata: metadata))
                let seen = probe.observations.withLockedValue { $0.metadata.first } ?? Metadata()
                #expect(seen["x-user"] == "grace")
                #expect(seen.bytes("x-trace-bin") == [0, 1, 2, 254, 255])
                #expect(seen.values("x-multi") == [.string("a"), .string("b")])

                var bad = Metadata()
                bad.add("Bad Key", "v")
                let error = await rpcError { _ = try await Grpc_Testing_BenchmarkService.Client(channel: channel).unaryCall(Grpc_Testing_SimpleRequest(), options: CallOptions(metadata: bad)) }
                #expect(error?.code == .internal)
            }
        }
    }

    @Test func aChannelReconnectsAfterTheServerRestarts() async throws {
        let first = InteropServer.make(configuration: .testing).0
        let port = try await first.start(host: "127.0.0.1", port: 0)
        // A short, exact backoff: the failed dial while the server is down puts the address in
        // backoff (connection-backoff.md); once it is over, the next call dials and succeeds.
        var configuration = ChannelConfiguration()
        configuration.backoff.initial = .milliseconds(200)
        configuration.backoff.jitter = 0
        try await withChannel(port: port, configuration: configuration) { channel in
            try await InteropTestCase.emptyUnary.run(on: channel)
            await first.close()
            let down = await rpcError { try await InteropTestCase.emptyUnary.run(on: channel) }
            #expect(down?.code == .unavailable)
            let second = InteropServer.make(configuration: .testing).0
            try await second.start(host: "127.0.0.1", port: port)
            try await Task.sleep(for: .milliseconds(250))
            try await InteropTestCase.emptyUnary.run(on: channel)
            await second.close()
        }
    }
}

/// Rejects calls without `x-user`, and logs each call with its outcome.
struct RequireUser: ServerInterceptor {
    let log: NIOLockedValueBox<[String]>

    func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
        guard let user = context.requestMetadata["x-user"] else {
            log.withLockedValue { $0.append("\(context.method) denied") }
            throw RPCError(code: .unauthenticated, message: "x-user is required")
        }
        do {
            try await next(context)
            log.withLockedValue { $0.append("\(context.method) by \(user): OK") }
        } catch {
            log.withLockedValue { $0.append("\(context.method) by \(user): \(RPCError(reporting: error).code)") }
            throw error
        }
    }
}

/// Adds `x-user` to every call.
struct AddUser: ClientInterceptor {
    let name: String

    func intercept<Result: Sendable>(_ call: ClientCallInfo, next: (ClientCallInfo) async throws -> Result) async throws -> Result {
        var call = call
        call.options.metadata.add("x-user", name)
        return try await next(call)
    }
}
