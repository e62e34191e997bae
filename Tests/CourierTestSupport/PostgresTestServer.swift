import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for a test: a fresh cluster (`initdb`) in its own folder, on its own
/// port on 127.0.0.1, user `reco` with trust authentication. PostgreSQL refuses to run as root, so
/// as root the cluster belongs to the `postgres` user (created by Debian's package) and the server
/// runs under it (`setpriv`, which executes it in place: signals reach the server itself).
public final class PostgresTestServer: @unchecked Sendable {
    /// The port it listens on (kept across restarts).
    public let port: Int
    /// The cluster's folder.
    public let directory: String
    private var process: Process?

    /// Debian's server binaries (`/usr/lib/postgresql/<version>/bin`), newest version.
    public static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/postgres") }
    }()


    /// `postgres://reco@127.0.0.1:<port>/reco`.
    public var url: String { "postgres://reco@127.0.0.1:\(port)/reco" }

    /// Creates a cluster and starts it; waits until it takes connections.
    public init() async throws {
        guard let binaries = Self.binaries else { throw ChildProcessError("PostgreSQL is not installed (scripts/setup.sh)") }
        port = try freeLoopbackPort()
        directory = NSTemporaryDirectory() + "postgres-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { _ = try await ChildProcess.run("/bin/chown", ["postgres:postgres", directory]) }
        let initdb = try await ChildProcess.run(
            Self.asServerUser ? "/usr/bin/setpriv" : binaries + "/initdb",
            Self.serverUserPrefix + (Self.asServerUser ? [binaries + "/initdb"] : [])
                + ["-D", directory + "/data", "-U", "reco", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"],
            timeout: .seconds(120))
        guard initdb.status == 0 else { throw ChildProcessError("initdb failed: \(initdb.errors)") }
        try await start()
        let created = try await psql("postgres", "CREATE DATABASE reco")
        guard created.status == 0 else { throw ChildProcessError("CREATE DATABASE failed: \(created.errors)") }
    }

    private static var asServerUser: Bool { getuid() == 0 }
    private static var serverUserPrefix: [String] {
        asServerUser ? ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : []
    }

    /// Starts (again) on the same port and data, and waits until it takes connections.
    public func start() async throws {
        guard let binaries = Self.binaries else { throw ChildProcessError("PostgreSQL is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.asServerUser ? "/usr/bin/setpriv" : binaries + "/postgres")
        process.arguments = Self.serverUserPrefix + (Self.asServerUser ? [binaries + "/postgres"] : []) + [
            "-D", directory + "/data", "-p", "\(port)", "-k", directory, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "logging_collector=off",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(90)
        while try await psql("postgres", "SELECT 1").status != 0 {
            guard process.isRunning else {
                ChildProcess.killAndReap(process)
                throw ChildProcessError("PostgreSQL exited with \(process.terminationStatus) before taking connections on port \(port)")
            }
            guard ContinuousClock.now < deadline else { throw ChildProcessError("PostgreSQL did not take connections on port \(port) within 90 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops the server with a fast shutdown (SIGINT: sessions are cut, the postmaster ends its
    /// children itself) and waits until it is gone; SIGKILL if it is still there after 10 s.
    public func stop() async {
        guard let process else { return }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGINT) }
        if (try? await ChildProcess.exit(of: process, within: .seconds(10))) != true { await ChildProcess.kill(process) }
        self.process = nil
    }

    /// Runs one SQL command with `psql` against `database`.
    public func psql(_ database: String, _ sql: String) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            "/usr/bin/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "reco", "-d", database, "-tAc", sql], timeout: .seconds(30))
    }

    /// Kills the server and removes the cluster.
    public func remove() async {
        await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
