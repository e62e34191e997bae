import CourierTestSupport
import Foundation

/// A `reco` executable run as its own process (built beside the test bundle by `swift build`),
/// for what only a real process shows: SIGKILL and restart, services in separate processes.
final class RecoProcess {
    let process = Process()
    let port: Int
    private let portFile: String

    /// The built `reco` binary next to the running test bundle.
    static func executable() throws -> String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("reco").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else { throw ProcessError("reco is not built beside \(CommandLine.arguments[0])") }
        return candidate
    }

    /// Every test's `reco serve`: one thread, no metrics endpoint.
    private static let serve = ["serve", "--no-metrics", "--threads", "1"]

    /// Starts `reco serve <arguments> --port <port>` (0: any free port) and waits until it is serving.
    init(_ arguments: [String], port requestedPort: Int = 0, timeout: Duration = .seconds(60)) async throws {
        portFile = NSTemporaryDirectory() + "reco-port-" + UUID().uuidString
        process.executableURL = URL(fileURLWithPath: try Self.executable())
        process.arguments = Self.serve + ["--port", "\(requestedPort)", "--port-file", portFile] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while true {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                self.port = port
                break
            }
            guard process.isRunning else {
                ChildProcess.killAndReap(process)  // only reaps: it has exited
                throw ProcessError("reco exited with \(process.terminationStatus) before serving")
            }
            guard ContinuousClock.now < deadline else {
                await ChildProcess.kill(process)
                throw ProcessError("reco did not start serving within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs `reco serve <arguments>` where it is expected to refuse to start: its exit status and
    /// what it wrote to standard error. Fails if it is still running after `timeout`.
    static func refusal(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, error: String) {
        let run = try await ChildProcess.run(try executable(), serve + ["--port", "0"] + arguments, timeout: timeout)
        return (run.status, run.errors)
    }

    /// Kills the process at once (no shutdown, no flush) and waits until it is gone.
    func kill() async {
        await ChildProcess.kill(process)
        try? FileManager.default.removeItem(atPath: portFile)
    }

    /// SIGTERM: graceful shutdown, waited for.
    func stop() async {
        await ChildProcess.terminate(process)
        try? FileManager.default.removeItem(atPath: portFile)
    }

    /// SIGKILL and reap, for clean-up in a `defer` (which cannot await; see ChildProcess.killAndReap).
    func killNow() {
        ChildProcess.killAndReap(process)
        try? FileManager.default.removeItem(atPath: portFile)
    }

    deinit {
        killNow()
    }
}

struct ProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
