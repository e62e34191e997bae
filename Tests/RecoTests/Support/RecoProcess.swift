import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `reco` executable run as its own process (built beside the test bundle by `swift build`),
/// for what only a real process shows: SIGKILL and restart, services in separate processes.
final class RecoProcess {
    let process = Process()
    let port: Int
    private let portFile: String

    /// The built `reco` binary next to the running test bundle.
    static var executable: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("reco").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Starts `reco serve <arguments> --port <port>` (0: any free port) and waits until it is serving.
    init(_ arguments: [String], port requestedPort: Int = 0, timeout: Duration = .seconds(60)) async throws {
        guard let executable = Self.executable else { throw ProcessError("reco is not built beside \(CommandLine.arguments[0])") }
        portFile = NSTemporaryDirectory() + "reco-port-" + UUID().uuidString
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--port", "\(requestedPort)", "--no-metrics", "--threads", "1", "--port-file", portFile] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while true {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                self.port = port
                break
            }
            guard process.isRunning else { throw ProcessError("reco exited with \(process.terminationStatus) before serving") }
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw ProcessError("reco did not start serving within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs `reco serve <arguments>` where it is expected to refuse to start: its exit status and
    /// what it wrote to standard error. Fails if it is still running after `timeout`.
    static func refusal(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, error: String) {
        guard let executable else { throw ProcessError("reco is not built beside \(CommandLine.arguments[0])") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--port", "0", "--no-metrics", "--threads", "1"] + arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw ProcessError("reco was still running after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    /// A port that was free a moment ago (for a server that must start after its clients know it).
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw ProcessError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Kills the process at once: no shutdown, no flush.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: portFile)
    }

    /// SIGTERM: graceful shutdown.
    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: portFile)
    }

    deinit {
        if process.isRunning { kill() }
    }
}

struct ProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
