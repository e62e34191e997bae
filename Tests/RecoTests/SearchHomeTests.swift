import Courier
import RecoProtos
import Foundation
import NIOCore
import NIOPosix
import Reco
import Testing
import CourierTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("SearchHome end to end through real sockets", .timeLimit(.minutes(2)))
struct SearchHomeTests {
    /// Each demo shop's category, loaded once on a thread of its own (see SharedDemoData).
    static let categoryOfShop = Task<[Int64: String], any Error> {
        let root = try await SharedDemoData.root
        return try await onOwnThread {
            let batch = try CandidateBatch.load(directory: root + "/candidates/2026-11-22", partDate: "2026-11-22")
            return Dictionary(uniqueKeysWithValues: batch.catalog.shops.map { ($0.shopId, $0.category) })
        }
    }

    static var home: Reco_V1_Location {
        var location = Reco_V1_Location()
        location.latitude = DemoDataGenerator.center.latitude
        location.longitude = DemoDataGenerator.center.longitude
        return location
    }

    /// A `reco serve`-style node (all services, or one role) on free ports, over the shared demo data.
    /// Generous, because tests run debug builds (and under AddressSanitizer) side by side on two cores.
    static let deadline: Duration = .seconds(2)

    func withNode<R>(_ role: RecoRole = .all, rerankShare: Double = 1, peers: (history: Int, similarity: Int, candidates: Int)? = nil,
                     loopbackPeers: Bool = false, _ body: (RecoNode) async throws -> R) async throws -> R {
        try await withTemporaryDirectory { scratch in
            var configuration = RecoNodeConfiguration()
            configuration.role = role
            configuration.port = 0
            configuration.metricsPort = 0
            configuration.threads = 1
            configuration.dataDirectory = try await SharedDemoData.root
            configuration.historyLogPath = scratch + "/actions.log"
            configuration.searchHome.rerankShare = rerankShare
            configuration.searchHome.deadline = Self.deadline
            configuration.loopbackPeers = loopbackPeers
            if let peers {
                configuration.historyAddress = "127.0.0.1:\(peers.history)"
                configuration.similarityAddress = "127.0.0.1:\(peers.similarity)"
                configuration.candidatesAddress = "127.0.0.1:\(peers.candidates)"
            }
            let node = try RecoNode(configuration: configuration)
            try await node.start()
            do {
                let result = try await body(node)
                await node.shutdown()
                return result
            } catch {
                await node.shutdown()
                throw error
            }
        }
    }

    func recommend(_ client: Reco_V1_SearchHomeService.Client, user: String, limit: Int32 = 10) async throws -> Reco_V1_RecommendResponse {
        var request = Reco_V1_RecommendRequest()
        request.userId = user
        request.sessionId = "session-1"
        request.location = Self.home
        request.limit = limit
        return try await client.recommend(request)
    }

    func search(_ history: Reco_V1_HistoryService.Client, user: String, keyword: String) async throws {
        _ = try await history.record(action(UUID().uuidString, user: user, session: "session-1", kind: .keywordSearch, keyword: keyword))
    }

    /// A degraded answer as SearchHome must give it when Similarity cannot help: flagged, the
    /// two-tower order, every shop with its details (the re-rank gave up in time to fetch them),
    /// within the deadline.
    func expectTwoTowerFallback(_ response: Reco_V1_RecommendResponse, answeredIn elapsed: Duration,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.degraded, sourceLocation: sourceLocation)
        #expect(response.strategy == .twoTower, sourceLocation: sourceLocation)
        #expect(response.shops.count == 10, sourceLocation: sourceLocation)
        #expect(response.shops.allSatisfy { !($0.shop?.name.isEmpty ?? true) }, "shop details kept", sourceLocation: sourceLocation)
        #expect(elapsed < Self.deadline + .milliseconds(200), "answered in \(elapsed)", sourceLocation: sourceLocation)
    }

    func categories(_ response: Reco_V1_RecommendResponse) async throws -> [String] {
        let categories = try await Self.categoryOfShop.value
        return response.shops.map { categories[$0.shop?.shopId ?? 0] ?? "?" }
    }

    /// Both wirings of the all-in-one node: SearchHome's hops in-process (the default) and over
    /// its own loopback port (as a split deployment makes them) answer the same.
    @Test("seed scenario: the burger regular searches 마라탕 and the next answer puts 마라탕 and 중식 first", arguments: [false, true])
    func seedScenario(loopbackPeers: Bool) async throws {
        try await withNode(loopbackPeers: loopbackPeers) { node in
            try await withChannel(port: node.grpcPort) { channel in
                let searchHome = Reco_V1_SearchHomeService.Client(channel: channel)
                let before = try await recommend(searchHome, user: DemoDataGenerator.burgerRegular)
                #expect(before.group == "B")
                #expect(before.strategy == .twoTower)
                #expect(!before.degraded)
                #expect(before.historyItems == 0)
                #expect(before.shops.count == 10)
                let beforeCategories = try await categories(before)
                let tastes = beforeCategories.filter { $0 == "버거" || $0 == "치킨" }.count
                #expect(tastes >= 8, "two-tower top 10 should be burgers and chicken: \(beforeCategories)")
                // The two-tower order is the model's: scores descending.
                #expect(before.shops.map(\.modelScore) == before.shops.map(\.modelScore).sorted(by: >))

                try await search(Reco_V1_HistoryService.Client(channel: channel), user: DemoDataGenerator.burgerRegular, keyword: "마라탕")
                let after = try await recommend(searchHome, user: DemoDataGenerator.burgerRegular)
                #expect(after.strategy == .rerank)
                #expect(!after.degraded)
                #expect(after.historyItems == 1)
                #expect(after.embeddingPartDate == "2026-11-22")
                let top = try await categories(after)
                #expect(top.first == "마라탕", "\(top)")
                #expect(top.prefix(5).allSatisfy { $0 == "마라탕" || $0 == "중식" }, "\(top)")
                #expect(after.shops.first?.drivenBy?.target == .keyword("마라탕"))
                #expect(after.shops.map(\.score) == after.shops.map(\.score).sorted(by: >))
            }
            // Prometheus saw it.
            let metrics = try await httpGet(port: try #require(node.metricsPort), path: "/metrics")
            #expect(metrics.contains("reco_rpc_requests_total"))
            #expect(metrics.contains("reco.v1.SearchHomeService/Recommend"))
            #expect(metrics.contains("reco_recommendations_total{strategy=\"rerank\"} 1"))
        }
    }

    @Test("group A keeps the two-tower order even with history; the split is a stable hash")
    func groupA() async throws {
        try await withNode(rerankShare: 0) { node in
            try await withChannel(port: node.grpcPort) { channel in
                let searchHome = Reco_V1_SearchHomeService.Client(channel: channel)
                let before = try await recommend(searchHome, user: DemoDataGenerator.burgerRegular)
                try await search(Reco_V1_HistoryService.Client(channel: channel), user: DemoDataGenerator.burgerRegular, keyword: "마라탕")
                let after = try await recommend(searchHome, user: DemoDataGenerator.burgerRegular)
                #expect(after.group == "A")
                #expect(after.strategy == .twoTower)
                #expect(after.shops.map { $0.shop?.shopId } == before.shops.map { $0.shop?.shopId })
            }
        }
        // Half and half, and the same answer every time.
        let groups = (0..<10_000).map { ExperimentGroup.of(userId: "user-\($0)", rerankShare: 0.5, salt: "s") }
        let share = Double(groups.filter { $0 == .b }.count) / 10_000
        #expect(abs(share - 0.5) < 0.03)
        #expect((0..<100).allSatisfy { ExperimentGroup.of(userId: "user-\($0)", rerankShare: 0.5, salt: "s") == groups[$0] })
    }

    @Test("a user with no two-tower list gets popular shops")
    func coldStart() async throws {
        try await withNode { node in
            try await withChannel(port: node.grpcPort) { channel in
                let response = try await recommend(Reco_V1_SearchHomeService.Client(channel: channel), user: "someone-new")
                #expect(response.strategy == .popular)
                #expect(response.shops.count == 10)
                #expect(response.shops.allSatisfy { $0.source == .popular })
                let popularity = response.shops.map { $0.shop?.popularity ?? 0 }
                #expect(popularity == popularity.sorted(by: >))
            }
        }
    }

    @Test("Similarity killed or stalled: Recommend still answers in time with the two-tower list, flagged degraded")
    func similarityDown() async throws {
        // History and candidates from one node; Similarity as its own process; SearchHome alone.
        try await withNode { backends in
            let similarityProcess = try await RecoProcess(["--service", "similarity", "--data-dir", try await SharedDemoData.root])
            defer { similarityProcess.killNow() }
            let peers = (history: backends.grpcPort, similarity: similarityProcess.port, candidates: backends.grpcPort)
            try await withNode(.searchhome, peers: peers) { node in
                try await withChannel(port: node.grpcPort) { channel in
                    let searchHome = Reco_V1_SearchHomeService.Client(channel: channel)
                    try await withChannel(port: backends.grpcPort) { backendChannel in
                        try await search(Reco_V1_HistoryService.Client(channel: backendChannel), user: DemoDataGenerator.burgerRegular, keyword: "마라탕")
                    }
                    let healthy = try await recommend(searchHome, user: DemoDataGenerator.burgerRegular)
                    #expect(healthy.strategy == .rerank)
                    #expect(try await categories(healthy).first == "마라탕")

                    await similarityProcess.kill()
                    let start = ContinuousClock.now
                    let degraded = try await recommend(searchHome, user: DemoDataGenerator.burgerRegular)
                    let elapsed = ContinuousClock.now - start
                    #expect(degraded.degraded)
                    #expect(degraded.degradedReason.hasPrefix("similarity:"), "\(degraded.degradedReason)")
                    #expect(degraded.strategy == .twoTower)
                    #expect(degraded.shops.count == 10)
                    #expect(degraded.shops.map(\.modelScore) == degraded.shops.map(\.modelScore).sorted(by: >))
                    #expect(elapsed < Self.deadline + .milliseconds(200), "answered in \(elapsed)")
                }
            }

            // A Similarity that accepts connections and never answers.
            let stalled = try StalledListener()
            defer { stalled.close() }
            let stalledPeers = (history: backends.grpcPort, similarity: stalled.port, candidates: backends.grpcPort)
            try await withNode(.searchhome, peers: stalledPeers) { node in
                try await withChannel(port: node.grpcPort) { channel in
                    let start = ContinuousClock.now
                    let response = try await recommend(Reco_V1_SearchHomeService.Client(channel: channel), user: DemoDataGenerator.burgerRegular)
                    let elapsed = ContinuousClock.now - start
                    #expect(response.degradedReason == "similarity: DEADLINE_EXCEEDED", "\(response.degradedReason)")
                    expectTwoTowerFallback(response, answeredIn: elapsed)
                }
            }
        }
    }

    @Test("Candidates stalled: DEADLINE_EXCEEDED within the budget, not a hang")
    func candidatesDown() async throws {
        let stalled = try StalledListener()
        defer { stalled.close() }
        try await withNode(.searchhome, peers: (stalled.port, stalled.port, stalled.port)) { node in
            try await withChannel(port: node.grpcPort) { channel in
                let error = await #expect(throws: RPCError.self) {
                    try await recommend(Reco_V1_SearchHomeService.Client(channel: channel), user: "u")
                }
                #expect(error?.code == .deadlineExceeded)
                #expect(error?.message.hasPrefix("candidates:") == true)
            }
        }
    }
}

/// GET over HTTP/1.1 on 127.0.0.1; returns the body.
func httpGet(port: Int, path: String) async throws -> String {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw ProcessError("connect to \(port) failed") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        response += buffer[0..<count]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.1 200") else { throw ProcessError("GET \(path): \(text.prefix(100))") }
    return text

}

extension SearchHomeTests {
    @Test("a caller's bad location is INVALID_ARGUMENT from SearchHome, not UNAVAILABLE")
    func badLocationIsTheCallersFault() async throws {
        try await withNode { node in
            try await withChannel(port: node.grpcPort) { channel in
                let client = Reco_V1_SearchHomeService.Client(channel: channel)
                for (latitude, longitude) in [(999.0, 127.0), (Double.nan, 127.0), (37.5, -Double.infinity)] {
                    var request = Reco_V1_RecommendRequest()
                    request.userId = "user-burger"
                    var location = Reco_V1_Location()
                    location.latitude = latitude
                    location.longitude = longitude
                    request.location = location
                    let error = await #expect(throws: RPCError.self) { try await client.recommend(request) }
                    #expect(error?.code == .invalidArgument, "\(latitude), \(longitude): \(String(describing: error))")
                }
            }
        }
    }

    @Test("Similarity's address accepts no connection (SYNs unanswered): every Recommend answers within its deadline, degraded, with shop details")
    func similarityUnreachable() async throws {
        try await withNode { backends in
            try await withChannel(port: backends.grpcPort) { (channel: GRPCChannel) async throws -> Void in
                try await search(Reco_V1_HistoryService.Client(channel: channel), user: DemoDataGenerator.burgerRegular, keyword: "마라탕")
            }
            let dead = try StalledListener(backlogFull: true)
            defer { dead.close() }
            let peers = (history: backends.grpcPort, similarity: dead.port, candidates: backends.grpcPort)
            try await withNode(.searchhome, peers: peers) { node in
                try await withChannel(port: node.grpcPort) { (channel: GRPCChannel) async throws -> Void in
                    let client = Reco_V1_SearchHomeService.Client(channel: channel)
                    for _ in 0..<3 {
                        let start = ContinuousClock.now
                        let response = try await recommend(client, user: DemoDataGenerator.burgerRegular)
                        let elapsed = ContinuousClock.now - start
                        #expect(response.degradedReason.hasPrefix("similarity: DEADLINE_EXCEEDED"), "\(response.degradedReason)")
                        expectTwoTowerFallback(response, answeredIn: elapsed)
                    }
                }
            }
        }
    }
}
