import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` for a test: its own port on 127.0.0.1 and its own folder, AOF on
/// (everysec), no RDB snapshots. It can be stopped gracefully, killed, frozen (SIGSTOP) and
/// started again on the same port and data, for the outage tests.
public final class RedisTestServer: @unchecked Sendable {
    /// The port it listens on (kept across restarts).
    public let port: Int
    /// Its working folder (the AOF lives here).
    public let directory: String
    private var process: Process?

    private static let executable: String? = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts a server and waits until it answers.
    public init(appendfsync: String = "everysec") async throws {
        port = try freeLoopbackPort()
        directory = NSTemporaryDirectory() + "redis-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.appendfsync = appendfsync
        try await start()
    }

    private let appendfsync: String

    /// `host:port`, as `--redis` takes it.
    public var address: String { "127.0.0.1:\(port)" }

    /// Starts (again) on the same port and folder, and waits until it answers PING.
    public func start() async throws {
        guard let executable = Self.executable else { throw ChildProcessError("redis-server is not installed (scripts/setup.sh)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory, "--save", "",
            "--appendonly", "yes", "--appendfsync", appendfsync, "--daemonize", "no", "--logfile", "\(directory)/redis.log",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(20)
        while try await command(["PING"]) != "PONG" {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw ChildProcessError("redis-server did not start on port \(port): \(log())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SHUTDOWN as an operator would (AOF flushed), and waits until it has exited.
    public func stopGracefully() async {
        guard let process, process.isRunning else { return }
        // SHUTDOWN rather than SIGTERM: a test process may run with SIGTERM blocked, which its
        // children inherit.
        _ = try? await command(["SHUTDOWN"])
        if (try? await ChildProcess.exit(of: process, within: .seconds(10))) != true { await ChildProcess.kill(process) }
        self.process = nil
    }

    /// SIGKILL: what was not yet written to the AOF is lost, as on a crash.
    public func kill() async {
        guard let process else { return }
        await ChildProcess.kill(process)
        self.process = nil
    }

    /// SIGSTOP or SIGCONT: the socket stays open, nothing answers.
    public func freeze(_ frozen: Bool) {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, frozen ? SIGSTOP : SIGCONT)
    }

    /// Runs one command with `redis-cli` and returns its raw output, trimmed; nil if it failed.
    public func command(_ arguments: [String]) async throws -> String? {
        let result = try await ChildProcess.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", "\(port)"] + arguments, timeout: .seconds(10))
        guard result.status == 0 else { return nil }
        let text = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.hasPrefix("Could not connect") ? nil : text
    }

    /// The server's log, for failure messages.
    public func log() -> String {
        (try? String(contentsOfFile: "\(directory)/redis.log", encoding: .utf8)) ?? ""
    }

    /// Kills the server and removes its folder.
    public func remove() async {
        if let process { await ChildProcess.kill(process) }
        process = nil
        try? FileManager.default.removeItem(atPath: directory)
    }
}
