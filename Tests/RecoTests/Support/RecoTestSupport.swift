import Courier
import RecoProtos
import CourierTestSupport
import Foundation
import Reco

/// Starts a server with `services` on a free port of 127.0.0.1 for one test, closed after.
func withServer<R>(_ services: [any CourierService], _ body: (Int) async throws -> R) async throws -> R {
    var configuration = ServerConfiguration()
    configuration.threads = 1
    let server = Server(services: services, configuration: configuration)
    return try await server.serving(body)
}

/// Calls `services` in-process (`InProcessTransport`): the services' rules without a socket.
/// SearchHome's and Candidates' suites (and the interop suites) keep the real sockets.
func withInProcess<R>(_ services: [any CourierService], _ body: (any ClientTransport) async throws -> R) async throws -> R {
    var configuration = ServerConfiguration()
    configuration.threads = 1
    let server = Server(services: services, configuration: configuration)
    do {
        let result = try await body(server.inProcessTransport())
        await server.close()
        return result
    } catch {
        await server.close()
        throw error
    }
}

/// A channel to 127.0.0.1:port, closed after the body.
func withChannel<R>(port: Int, _ body: (GRPCChannel) async throws -> R) async throws -> R {
    try await GRPCChannel(host: "127.0.0.1", port: port).closing(after: body)
}

/// A fresh folder under the temporary directory, removed after the body.
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = NSTemporaryDirectory() + "reco-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Milliseconds since the Unix epoch.
func nowMs() -> Int64 { WallClock.milliseconds() }

func action(_ eventId: String, user: String = "u1", session: String = "s1", kind: Reco_V1_ActionKind,
            shop: Int64? = nil, keyword: String? = nil, at timestampMs: Int64 = 0) -> Reco_V1_UserAction {
    var action = Reco_V1_UserAction()
    action.eventId = eventId
    action.userId = user
    action.sessionId = session
    action.kind = kind
    if let shop { action.target = .shopId(shop) }
    if let keyword { action.target = .keyword(keyword) }
    action.timestampMs = timestampMs
    return action
}

/// A settable clock for stores and services under test.
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(byMs ms: Int64) { value.withLock { $0 += ms } }
    var function: @Sendable () -> Int64 { { [self] in self.now } }
}

import Synchronization

/// The demo data set, generated once per test process (smaller than the default, for speed).
enum SharedDemoData {
    /// Generated once, on a thread of its own: as a lazily initialised static, the first test to
    /// touch it generated it on a pool thread while every other test touching it blocked that
    /// pool's other thread (under ASan, seconds in which no test's timer could fire).
    private static let generation = Task<String, any Error> {
        try await onOwnThread {
            let path = NSTemporaryDirectory() + "reco-test-demo-\(ProcessInfo.processInfo.processIdentifier)"
            var configuration = DemoDataGenerator.Configuration()
            configuration.shops = 2000
            configuration.users = 60
            configuration.sessions = 20
            configuration.dimensions = 64
            try DemoDataGenerator(configuration: configuration).write(to: path)
            return path
        }
    }

    /// The folder that holds the shared demo data set.
    static var root: String {
        get async throws { try await generation.value }
    }
}
