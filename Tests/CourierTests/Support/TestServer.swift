import Courier
import CourierInterop
import CourierProtos
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
    let port = try await server.start(host: "127.0.0.1", port: 0)
    do {
        let result = try await body(port)
        await server.close()
        return result
    } catch {
        await server.close()
        throw error
    }
}

/// A channel to a test server, closed after the body.
func withChannel<R>(port: Int, configuration: ChannelConfiguration = ChannelConfiguration(), _ body: (GRPCChannel) async throws -> R) async throws -> R {
    let channel = GRPCChannel(host: "127.0.0.1", port: port, configuration: configuration)
    do {
        let result = try await body(channel)
        await channel.close()
        return result
    } catch {
        await channel.close()
        throw error
    }
}

extension ServerConfiguration {
    static var testing: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.threads = 2
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
