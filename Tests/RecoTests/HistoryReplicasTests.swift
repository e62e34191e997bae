import Courier
import CourierTestSupport
import Foundation
import Reco
import RecoProtos
import RecoRedis
import Synchronization
import Testing

/// History as replicas on Redis, as `scripts/cluster.sh` runs it: each replica its own `reco`
/// process, one killed with SIGKILL under load.
@Suite("History replicas on Redis", .timeLimit(.minutes(3)))
struct HistoryReplicasTests {
    final class Tally: Sendable {
        let acknowledged = Mutex<[String]>([])
        let recordFailures = Mutex<[StatusCode]>([])
        let recommendFailures = Mutex<[String]>([])
        let recommends = Atomic<Int>(0)
        let degraded = Atomic<Int>(0)
    }

    @Test("SIGKILL one History replica during load: Recommends keep answering, every acknowledged action is in Redis")
    func killOneReplica() async throws {
        let redis = try await RedisTestServer()
        defer { Task { await redis.remove() } }
        try await withTemporaryDirectory { scratch in
            let replicaArguments = { (name: String) in
                ["--service", "history", "--redis", redis.address, "--redis-consumer", name,
                 "--redis-claim-idle-ms", "500", "--data-dir", "\(scratch)/\(name)"]
            }
            let replicaA = try await RecoProcess(replicaArguments("a"))
            defer { replicaA.killNow() }
            let replicaB = try await RecoProcess(replicaArguments("b"))
            defer { replicaB.killNow() }
            // Similarity and Candidates from one in-process node; SearchHome in-process, alone,
            // with both History replicas behind one round-robin channel.
            let backends = try await startNode { $0.role = .all }
            let searchHome = try await startNode { configuration in
                configuration.role = .searchhome
                // Generous: the whole suite shares two cores; a missed budget is not what this tests.
                configuration.searchHome.deadline = .seconds(2)
                configuration.historyAddress = "127.0.0.1:\(replicaA.port),127.0.0.1:\(replicaB.port)"
                configuration.similarityAddress = "127.0.0.1:\(backends.grpcPort)"
                configuration.candidatesAddress = "127.0.0.1:\(backends.grpcPort)"
            }
            var channelConfiguration = ChannelConfiguration()
            channelConfiguration.loadBalancing = .roundRobin
            let historyChannel = GRPCChannel(
                target: .addresses([.host("127.0.0.1", port: replicaA.port), .host("127.0.0.1", port: replicaB.port)]),
                configuration: channelConfiguration)
            let searchChannel = GRPCChannel(host: "127.0.0.1", port: searchHome.grpcPort)
            let history = Reco_V1_HistoryService.Client(channel: historyChannel)
            let recommend = Reco_V1_SearchHomeService.Client(channel: searchChannel)
            let tally = Tally()
            let users = (0..<20).map { "replica-user-\($0)" }
            let stopAt = ContinuousClock.now + .seconds(3)

            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var i = 0
                        while ContinuousClock.now < stopAt {
                            defer { i += 1 }
                            let id = "w\(worker)-\(i)"
                            do {
                                _ = try await history.record(
                                    action(id, user: users[i % users.count], kind: .shopClick, shop: Int64(i % 200 + 1)),
                                    options: CallOptions(timeout: .seconds(3)))
                                tally.acknowledged.withLock { $0.append(id) }
                            } catch let error as RPCError {
                                tally.recordFailures.withLock { $0.append(error.code) }
                            }
                        }
                    }
                    group.addTask {
                        var i = 0
                        while ContinuousClock.now < stopAt {
                            defer { i += 1 }
                            var request = Reco_V1_RecommendRequest()
                            request.userId = users[(i + worker) % users.count]
                            request.sessionId = "replica-session"
                            request.location = SearchHomeTests.home
                            request.limit = 10
                            do {
                                let response = try await recommend.recommend(request, options: CallOptions(timeout: .seconds(3)))
                                tally.recommends.add(1, ordering: .relaxed)
                                if response.degraded { tally.degraded.add(1, ordering: .relaxed) }
                            } catch {
                                tally.recommendFailures.withLock { $0.append("\(error)") }
                            }
                        }
                    }
                }
                try await Task.sleep(for: .seconds(1))
                await replicaA.kill()
                try await group.waitForAll()
            }

            let acknowledged = tally.acknowledged.withLock { $0 }
            let recordFailures = tally.recordFailures.withLock { $0 }
            let recommendFailures = tally.recommendFailures.withLock { $0 }
            // Load ran on both sides of the kill (the suite shares two cores: counts vary widely).
            #expect(acknowledged.count > 20, "\(acknowledged.count) acknowledged")
            #expect(tally.recommends.load(ordering: .relaxed) > 10)
            // At most the calls in flight on the killed replica (4 writers) fail, all UNAVAILABLE.
            #expect(recordFailures.count <= 4, "\(recordFailures)")
            #expect(recordFailures.allSatisfy { $0 == .unavailable }, "\(recordFailures)")
            #expect(recommendFailures.isEmpty, "\(recommendFailures.prefix(5))")

            // Every acknowledged action reaches the shared store: what A read and never
            // acknowledged is claimed by B after the idle time. Counted in Redis itself.
            let client = RedisClient(configuration: .init(host: "127.0.0.1", port: redis.port))
            let store = RedisHistoryStore(redis: client)
            let deadline = ContinuousClock.now + .seconds(20)
            var missing = acknowledged
            while !missing.isEmpty, ContinuousClock.now < deadline {
                let replies = try await client.pipeline(missing.map { ["EXISTS", .text(store.eventKey($0))] })
                missing = zip(missing, replies).filter { $0.1 != .integer(1) }.map(\.0)
                if !missing.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(missing.isEmpty, "\(missing.count) acknowledged actions missing, e.g. \(missing.prefix(5))")
            var stored = 0
            for user in users {
                stored += Int(try await client.send(["ZCARD", .text(store.userKey(user, keywords: false))]).integer ?? 0)
            }
            #expect(stored >= acknowledged.count, "ZCARD total \(stored) for \(acknowledged.count) acknowledged")
            await client.close()
            await historyChannel.close()
            await searchChannel.close()
            await searchHome.shutdown()
            await backends.shutdown()
        }
    }

    private func startNode(_ configure: (inout RecoNodeConfiguration) -> Void) async throws -> RecoNode {
        var configuration = RecoNodeConfiguration()
        configuration.port = 0
        configuration.metricsPort = nil
        configuration.threads = 1
        configuration.dataDirectory = try await SharedDemoData.root
        configuration.historyLogPath = NSTemporaryDirectory() + "reco-replicas-\(UUID().uuidString)/actions.log"
        configure(&configuration)
        let node = try RecoNode(configuration: configuration)
        try await node.start()
        return node
    }
}
