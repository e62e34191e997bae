import Courier
import CourierTestSupport
import Foundation
import Reco
import RecoProtos
import RecoRedis
import Testing

/// The shared History store and the action bus, against a real redis-server.
@Suite("History on Redis: shared store and action bus", .serialized, .timeLimit(.minutes(3)))
struct RedisHistoryTests {
    func client(_ server: RedisTestServer) -> RedisClient {
        var configuration = RedisClient.Configuration(host: "127.0.0.1", port: server.port)
        configuration.initialBackoff = .milliseconds(20)
        configuration.maxBackoff = .milliseconds(200)
        // Generous for a first connect in an ASan run on two busy cores (1 s timed out once).
        configuration.connectTimeout = .seconds(5)
        return RedisClient(configuration: configuration)
    }

    func withRedis(_ body: (RedisTestServer) async throws -> Void) async throws {
        let server = try await RedisTestServer()
        do { try await body(server) } catch {
            await server.remove()
            throw error
        }
        await server.remove()
    }

    /// The bus as History replicas run it: one client for appends, reads and acknowledgements,
    /// the shared store, and one consumer per replica (each reading on a client of its own).
    final class Bus {
        let redis: RedisClient
        let shared: RedisHistoryStore
        let bus: StreamedHistoryStore
        private(set) var consumers: [ActionStreamConsumer] = []
        private var readers: [RedisClient] = []
        private let makeClient: () -> RedisClient

        init(_ makeClient: @escaping () -> RedisClient) {
            self.makeClient = makeClient
            redis = makeClient()
            shared = RedisHistoryStore(redis: redis)
            bus = StreamedHistoryStore(redis: redis, shared: shared, configuration: .init(consumerName: "producer"))
        }

        /// A started consumer named `name`, reading every 100 ms at most.
        @discardableResult
        func consumer(_ name: String, metrics: RecoMetrics? = nil, _ configure: (inout ActionStreamConfiguration) -> Void = { _ in }) -> ActionStreamConsumer {
            var configuration = ActionStreamConfiguration(consumerName: name)
            configuration.block = .milliseconds(100)
            configure(&configuration)
            let reader = makeClient()
            readers.append(reader)
            let consumer = ActionStreamConsumer(reader: reader, redis: redis, store: shared, configuration: configuration, metrics: metrics)
            consumers.append(consumer)
            consumer.start()
            return consumer
        }

        func close() async {
            for consumer in consumers { await consumer.stop() }
            for reader in readers { await reader.close() }
            await redis.close()
        }
    }

    func recorded(_ message: Reco_V1_UserAction) throws -> RecordedAction {
        try ActionValidator().validate(message, nowMs: nowMs())
    }

    /// A mixed history of a few users and sessions, with duplicates and expired actions.
    func sampleActions(now: Int64) throws -> [RecordedAction] {
        var actions: [RecordedAction] = []
        for i in 0..<300 {
            let user = "user-\(i % 7)", session = "session-\(i % 11)"
            let at = now - Int64(300 - i) * 1000
            let message = i % 3 == 0
                ? action("e\(i)", user: user, session: session, kind: .keywordSearch, keyword: "kw \(i % 13)", at: at)
                : action("e\(i)", user: user, session: session, kind: i % 2 == 0 ? .shopClick : .order, shop: Int64(i % 50 + 1), at: at)
            actions.append(try recorded(message))
        }
        // Duplicates by event id (different content: the first one wins) and one too old to keep.
        actions.append(try recorded(action("e5", user: "user-5", kind: .shopClick, shop: 999, at: now - 1000)))
        actions.append(try recorded(action("old", user: "user-1", kind: .shopClick, shop: 7, at: now - 4_000_000)))
        return actions
    }

    @Test("answers every query as the embedded store does (same actions, same outcomes)")
    func sameAnswersAsEmbedded() async throws {
        try await withRedis { server in
            let redis = client(server)
            defer { Task { await redis.close() } }
            let shared = RedisHistoryStore(redis: redis)
            try await withTemporaryDirectory { directory in
                let embedded = try LoggedHistoryStore(configuration: .init(logPath: directory + "/actions.log"))
                let actions = try sampleActions(now: nowMs())
                #expect(try await shared.append(actions) == (try await embedded.append(actions)))
                let since = nowMs() - 3_600_000
                for query in [HistoryQuery.all(sinceMs: since), HistoryQuery(sinceMs: since, keywords: 5, shops: nil),
                              HistoryQuery(sinceMs: since, keywords: nil, shops: 3), HistoryQuery(sinceMs: nowMs() - 60_000, keywords: 0, shops: 4)] {
                    for user in (0..<7).map({ "user-\($0)" }) + ["nobody"] {
                        let fromRedis = try await shared.actions(ofUser: user, query)
                        #expect(fromRedis == (try await embedded.actions(ofUser: user, query)), "\(user) \(query)")
                    }
                    for session in (0..<11).map({ "session-\($0)" }) {
                        #expect(try await shared.actions(ofSession: session, query) == (try await embedded.actions(ofSession: session, query)))
                    }
                }
                try embedded.close()
            }
        }
    }

    @Test("an action older than the window is gone from Redis, keys and all (TTL)")
    func expiresWithTheWindow() async throws {
        try await withRedis { server in
            let redis = client(server)
            defer { Task { await redis.close() } }
            let store = RedisHistoryStore(redis: redis, retentionMs: 5000)
            let outcomes = try await store.append([try recorded(action("t1", user: "ttl-user", kind: .shopClick, shop: 3, at: nowMs()))])
            #expect(outcomes == [.stored])
            // Keys expire with the window: a TTL of at most the window, on the sets and the event id.
            for key in [store.userKey("ttl-user", keywords: false), store.eventKey("t1")] {
                let ttl = try await redis.send(["PTTL", .text(key)]).integer ?? -3
                #expect(ttl > 0 && ttl <= 5000, "\(key): PTTL \(ttl)")
            }
            // Gone once the window has passed (polled: the suite shares two cores).
            let deadline = ContinuousClock.now + .seconds(30)
            while try await redis.send(["DBSIZE"]) != .integer(0), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await store.actions(ofUser: "ttl-user", .all(sinceMs: 0)).isEmpty)
            #expect(try await server.command(["DBSIZE"]) == "0")
        }
    }

    @Test("Redis down: UNAVAILABLE quickly, never a hang")
    func redisDown() async throws {
        try await withRedis { server in
            let redis = client(server)
            defer { Task { await redis.close() } }
            let store = RedisHistoryStore(redis: redis)
            await server.kill()
            let start = ContinuousClock.now
            for _ in 0..<20 {
                do {
                    _ = try await store.append([try recorded(action("d\(UUID())", kind: .shopClick, shop: 3))])
                    Issue.record("stored with Redis down")
                } catch let error as RPCError {
                    #expect(error.code == .unavailable)
                }
                await #expect(throws: RPCError.self) { try await store.actions(ofUser: "u1", .all(sinceMs: 0)) }
            }
            // 40 calls: waiting out a connect timeout (1 s) each would take 40 s.
            #expect(ContinuousClock.now - start < .seconds(10))
        }
    }

    /// Two History replicas' consumers on one stream; actions appended through the bus.
    @Test("through the bus: two consumers store every action exactly once, duplicates dropped")
    func busToTwoConsumers() async throws {
        try await withRedis { server in
            let fixture = Bus { client(server) }
            let (shared, bus) = (fixture.shared, fixture.bus)
            let metrics = RecoMetrics()
            fixture.consumer("replica-a", metrics: metrics) { $0.batchSize = 16 }
            fixture.consumer("replica-b") { $0.batchSize = 16 }
            let consumers = fixture.consumers
            let now = nowMs()
            var acknowledged = 0
            for batch in 0..<40 {
                let actions = try (0..<50).map { i in
                    try recorded(action("bus-\(batch)-\(i)", user: "user-\(i % 9)", kind: .shopClick, shop: Int64(i + 1), at: now - Int64(i)))
                }
                acknowledged += try await bus.append(actions).filter { $0 == .stored }.count
            }
            #expect(acknowledged == 2000)
            let deadline = ContinuousClock.now + .seconds(20)
            while consumers.map(\.counts.stored).reduce(0, +) < 2000, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let counts = consumers.map(\.counts)
            #expect(counts.map(\.stored).reduce(0, +) == 2000)
            #expect(counts.allSatisfy { $0.stored > 0 }, "both replicas consume: \(counts)")
            let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(exposition.contains("reco_history_bus_entries_total{outcome=\"stored\",claimed=\"false\"} \(counts[0].stored)"), "\(exposition)")
            // Every acknowledged action is in the shared store, counted in Redis itself.
            var inRedis = 0
            for user in 0..<9 {
                inRedis += Int(try await server.command(["ZCARD", shared.userKey("user-\(user)", keywords: false)]) ?? "0") ?? 0
            }
            #expect(inRedis == 2000)
            #expect(try await server.command(["XPENDING", "reco:actions", "history"])?.hasPrefix("0") == true)
            // A stored event id is answered as a duplicate; consumed again, it changes nothing.
            let before = try await server.command(["ZCARD", shared.userKey("user-0", keywords: false)])
            #expect(before == "240")
            let again = try await bus.append([try recorded(action("bus-0-0", user: "user-0", kind: .shopClick, shop: 99, at: now))])
            #expect(again == [.duplicate])
            while consumers.map(\.counts.duplicates).reduce(0, +) < 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(consumers.map(\.counts.duplicates).reduce(0, +) == 1)
            #expect(try await server.command(["ZCARD", shared.userKey("user-0", keywords: false)]) == before)
            await fixture.close()
        }
    }

    @Test("a consumer that dies between reading and acknowledging: a live one claims its entries")
    func abandonedEntriesAreClaimed() async throws {
        try await withRedis { server in
            let fixture = Bus { client(server) }
            let (redis, shared, bus) = (fixture.redis, fixture.shared, fixture.bus)
            _ = try await redis.send(["XGROUP", "CREATE", "reco:actions", "history", "0", "MKSTREAM"])
            let actions = try (0..<30).map { try recorded(action("lost-\($0)", user: "claim-user", kind: .shopView, shop: Int64($0 + 1))) }
            #expect(try await bus.append(actions) == Array(repeating: .stored, count: 30))
            // The dead replica read them and never acknowledged (it was killed mid-batch).
            let read = try await redis.send(["XREADGROUP", "GROUP", "history", "dead-replica", "COUNT", 100, "STREAMS", "reco:actions", ">"])
            #expect(read.array?.first?.array?.last?.array?.count == 30)
            let live = fixture.consumer("live-replica") { configuration in
                configuration.claimIdle = .milliseconds(300)
                configuration.claimEvery = .milliseconds(100)
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while live.counts.stored < 30, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(live.counts.stored == 30)
            #expect(live.counts.claimed == 30)
            #expect(try await shared.actions(ofUser: "claim-user", .all(sinceMs: 0)).count == 30)
            await fixture.close()
        }
    }

    @Test("Redis restarted during ingestion: every acknowledged action is there after; calls between fail UNAVAILABLE within their deadline")
    func redisRestartDuringIngestion() async throws {
        try await withRedis { server in
            let fixture = Bus { client(server) }
            let (shared, bus) = (fixture.shared, fixture.bus)
            fixture.consumer("replica")
            let provider = HistoryServiceProvider(store: bus)
            try await withInProcess([provider]) { transport in
                let history = Reco_V1_HistoryService.Client(channel: transport)
                let writer = Task {
                    var acknowledged: [String] = [], failures: [StatusCode] = [], slowest = Duration.zero
                    for i in 0..<600 {
                        let start = ContinuousClock.now
                        do {
                            _ = try await history.record(action("r\(i)", user: "restart-user", kind: .shopClick, shop: Int64(i % 40 + 1)),
                                                         options: CallOptions(timeout: .seconds(2)))
                            acknowledged.append("r\(i)")
                        } catch let error as RPCError {
                            failures.append(error.code)
                        }
                        slowest = max(slowest, ContinuousClock.now - start)
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    return (acknowledged, failures, slowest)
                }
                try await Task.sleep(for: .milliseconds(300))
                await server.stopGracefully()
                try await Task.sleep(for: .milliseconds(300))
                try await server.start()
                let (acknowledged, failures, slowest) = try await writer.value
                #expect(!failures.isEmpty, "the outage was seen")
                #expect(failures.allSatisfy { $0 == .unavailable }, "\(Set(failures))")
                // Each call has a 2 s deadline; an outage must fail calls at once, not hold them to it.
                #expect(slowest < .seconds(4), "no call hung past its deadline")
                let deadline = ContinuousClock.now + .seconds(20)
                var stored: Set<String> = []
                while ContinuousClock.now < deadline {
                    stored = Set(try await shared.actions(ofUser: "restart-user", .all(sinceMs: 0)).map(\.eventId))
                    if stored.isSuperset(of: acknowledged) { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(Set(acknowledged).subtracting(stored).isEmpty, "lost: \(Set(acknowledged).subtracting(stored).sorted().prefix(10))")
                #expect(acknowledged.count > 100)
            }
            await fixture.close()
        }
    }
}
