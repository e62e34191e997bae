import CourierTestSupport
import Courier
import CourierInterop
import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A Courier interop server (TestService, BenchmarkService, Health, reflection) on a free port of
/// 127.0.0.1 for one test.
func withCourierServer<R>(_ body: (String) async throws -> R) async throws -> R {
    var configuration = ServerConfiguration()
    configuration.threads = 1
    let server = InteropServer.make(configuration: configuration).0
    return try await server.serving { port in try await body("127.0.0.1:\(port)") }
}

/// gRPC's reference Python server (grpcio, with grpcio-reflection) from Tests/Interop, with stubs
/// generated from Protos/, run as its own process for the test.
func withGRPCIOServer<R>(_ body: (String) async throws -> R) async throws -> R {
    let stubs = FileManager.default.temporaryDirectory.appendingPathComponent("courier-stubs-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: stubs) }
    try await runToEnd("/bin/bash", [repositoryRoot + "/Tests/Interop/generate_stubs.sh", stubs])
    let port = try freeLoopbackPort()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", repositoryRoot + "/Tests/Interop/grpcio_interop.py", "server", "--port", "\(port)"]
    process.environment = ProcessInfo.processInfo.environment.merging(["COURIER_PY_STUBS": stubs]) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // SIGKILL: grpcio's server outlives SIGTERM.
    do {
        try await waitUntilListening(port, while: process)
        let result = try await body("127.0.0.1:\(port)")
        await ChildProcess.kill(process)
        return result
    } catch {
        await ChildProcess.kill(process)
        throw error
    }
}

/// A TCP server that answers whatever arrives with an HTTP/1.1 400 and closes: a web server
/// where a gRPC server was expected.
func withHTTP1Server<R>(_ body: (String) async throws -> R) async throws -> R {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { channel in channel.pipeline.addHandler(HTTP1BadRequest()) }
        .bind(host: "127.0.0.1", port: 0).get()
    do {
        let result = try await body("127.0.0.1:\(channel.localAddress!.port!)")
        try await channel.close()
        return result
    } catch {
        try? await channel.close()
        throw error
    }
}

private func waitUntilListening(_ port: Int, while process: Process, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        guard process.isRunning else { throw CLIError("the grpcio server exited with \(process.terminationStatus)") }
        if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() {
            try? await channel.close()
            return
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw CLIError("the grpcio server did not listen on \(port) within \(timeout)")
}

/// Runs a helper (protoc, a stub generator) to its end; its standard output, or an error when it fails.
@discardableResult
func runToEnd(_ executable: String, _ arguments: [String], stdin: Data? = nil) async throws -> Data {
    let run = try await ChildProcess.run(executable, arguments, stdin: stdin)
    guard run.status == 0 else { throw CLIError("\(executable) \(arguments.joined(separator: " ")) exited with \(run.status): \(run.errors)") }
    return run.standardOutput
}

/// Answers the first bytes it reads with an HTTP/1.1 400, then closes.
private final class HTTP1BadRequest: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        // Closed through the channel (Sendable) once the reply is out, not through the context.
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: reply))).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }
}
