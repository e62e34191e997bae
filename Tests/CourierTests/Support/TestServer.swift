import Courier
import CourierInterop
import CourierServices

/// Starts a server on a free port of 127.0.0.1 for one test and stops it after.
func withServer<R>(
    services: [any CourierService]? = nil, configuration: ServerConfiguration = .testing,
    interceptors: [any ServerInterceptor] = [], _ body: (Int) async throws -> R
) async throws -> R {
    let server: Server
    if let services {
        server = Server(services: services, configuration: configuration, interceptors: interceptors)
    } else {
        server = InteropServer.make(configuration: configuration).0
    }
    return try await server.serving(body)
}

/// A channel to a test server, closed after the body.
func withChannel<R>(port: Int, configuration: ChannelConfiguration = ChannelConfiguration(), _ body: (GRPCChannel) async throws -> R) async throws -> R {
    try await GRPCChannel(host: "127.0.0.1", port: port, configuration: configuration).closing(after: body)
}

extension ServerConfiguration {
    static var testing: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.threads = 2
        // The adaptive limit reacts to latency, and on a starved CI machine (ASan, two cores)
        // latency is high: suites about other rules must not see it shed their bursts. The
        // overload protection has its own suite (AdmissionControlTests), which sets it.
        configuration.concurrencyLimit = nil
        return configuration
    }
}

/// The error a call threw, as an RPCError (nil if it succeeded).
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(reporting: error)
    }
}
