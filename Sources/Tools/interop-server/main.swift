// interop-server --port N [--host H] [--threads T] [--response-compression gzip|deflate]
//                [--use_tls true --tls_cert_file F --tls_key_file F [--tls_client_ca_file F]]
//
// gRPC's interop server convention: serves grpc.testing.TestService (and BenchmarkService,
// Health and reflection) until SIGINT or SIGTERM, then shuts down gracefully.
import Courier
import CourierInterop
import Foundation

/// The server's whole life, in a function: its state lives in the function's async frame.
/// (As globals of this file's async top-level code, a ServerConfiguration holding the overload
/// limit crashed in swift_task_switch at start with Swift 6.3: the interop tests caught it.)
func serve() async throws {
    LargeMessageMemory.reuseBuffers()
    var arguments = InteropArguments(CommandLine.arguments.dropFirst())
    let port = arguments.int("port") ?? 50051
    let host = arguments.string("host") ?? "127.0.0.1"
    var configuration = ServerConfiguration()
    if let threads = arguments.int("threads") { configuration.threads = threads }
    let compression = arguments.string("response-compression")
    var problem: String?
    do {
        configuration.security = try arguments.serverTLS()
    } catch {
        problem = "\(error)"
    }
    problem = problem ?? arguments.unknown()
    if let compression {
        // Responses compressed for clients that accept it (bench/compression.sh).
        if let algorithm = CompressionAlgorithm(name: compression) {
            configuration.responseCompression = algorithm
        } else {
            problem = "unknown compression '\(compression)'"
        }
    }
    if let problem {
        FileHandle.standardError.write(Data(
            "interop-server: \(problem)\nusage: interop-server --port N [--host H] [--threads T] [--response-compression gzip|deflate] [--use_tls true --tls_cert_file F --tls_key_file F [--tls_client_ca_file F]]\n".utf8))
        exit(2)
    }
    let (server, health) = InteropServer.make(configuration: configuration)
    let bound = try await server.start(host: host, port: port)
    print("interop-server listening on \(host):\(bound)")
    await ShutdownSignal.wait()
    health.enterShutdown()
    await server.shutdownGracefully()
}

StandardOutput.makeLineBuffered()
try await serve()
