import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Child processes for tests (the CLI, protoc, Python peers, `reco`), waited for without blocking
/// a thread.
///
/// Every test and every in-process server's handlers share Swift's cooperative pool, which has one
/// thread per core: two here. `Process.waitUntilExit()` or reading a pipe to its end holds a pool
/// thread for as long as the child runs, so two of them at once stall every other test (a call
/// measured against its deadline then "takes" seconds), and when the child waits for an
/// in-process server, nothing moves again. These helpers poll instead, and put the child's output
/// in files (a pipe the test does not drain can also fill and stop the child).
public enum ChildProcess {
    /// What a finished child left: its exit status (or the signal that ended it) and its output.
    public struct Result: Sendable {
        /// The exit status, or the signal number when a signal ended it.
        public var status: Int32
        /// Everything it wrote to standard output.
        public var standardOutput: Data
        /// Everything it wrote to standard error.
        public var standardError: Data

        /// Standard output as UTF-8 text.
        public var output: String { String(decoding: standardOutput, as: UTF8.self) }
        /// Standard error as UTF-8 text.
        public var errors: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments` to its end (`stdin` as its standard input, if any) and
    /// returns what it left. Kills it and throws if it is still running after `timeout`.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil, stdin: Data? = nil, timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in"), output = directory.appendingPathComponent("out"),
            errors = directory.appendingPathComponent("err")
        try (stdin ?? Data()).write(to: input)
        for file in [output, errors] where !FileManager.default.createFile(atPath: file.path, contents: nil) {
            throw ChildProcessError("cannot create \(file.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        guard try await exit(of: process, within: timeout) else {
            await kill(process)
            throw ChildProcessError("\(executable) \(arguments.joined(separator: " ")) ran longer than \(timeout)")
        }
        return Result(status: process.terminationStatus, standardOutput: try contents(of: output), standardError: try contents(of: errors))
    }

    /// Waits until `process` has exited, polling; false if it still runs after `timeout` (nil:
    /// no limit).
    public static func exit(of process: Process, within timeout: Duration? = nil) async throws -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while process.isRunning {
            if let deadline, ContinuousClock.now > deadline { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Returns at once now; lets Foundation finish its bookkeeping of the child.
        process.waitUntilExit()
        return true
    }

    /// SIGKILL, then waits for the exit (at once: a killed process cannot linger).
    public static func kill(_ process: Process) async {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        _ = try? await exit(of: process)
    }

    /// SIGKILL and reap, without `await`, for clean-up in a `defer`: it blocks only for the
    /// milliseconds a killed process takes to go. Reaping matters: until Foundation has seen the
    /// exit, its Process keeps itself alive (LeakSanitizer reports it).
    public static func killAndReap(_ process: Process) {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then waits up to `grace` for a graceful exit before SIGKILL.
    public static func terminate(_ process: Process, grace: Duration = .seconds(30)) async {
        guard process.isRunning else { return }
        process.terminate()
        if (try? await exit(of: process, within: grace)) != true { await kill(process) }
    }

    /// A file's bytes through a file handle: FoundationEssentials' whole-file readers
    /// (String(contentsOf:), FileManager.contents) leak their buffer when the file is empty.
    private static func contents(of url: URL) throws -> Data {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        return handle.readDataToEndOfFile()
    }
}

/// Why a child process could not be run to its end.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs CPU-heavy or blocking work (generating a data set, loading a large file) on a thread of
/// its own, so that it does not hold one of the cooperative pool's two threads, where every
/// test's timers and every in-process server's handlers run.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
