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

    /// Starts `reco serve <arguments> --port 0` and waits until it is serving.
    init(_ arguments: [String], timeout: Duration = .seconds(60)) async throws {
        guard let executable = Self.executable else { throw ProcessError("reco is not built beside \(CommandLine.arguments[0])") }
        portFile = NSTemporaryDirectory() + "reco-port-" + UUID().uuidString
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--port", "0", "--no-metrics", "--threads", "1", "--port-file", portFile] + arguments
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
