import Courier
import RecoProtos
import Foundation
import Reco
import Testing

@Suite("HistoryService, in-process", .timeLimit(.minutes(1)))
struct HistoryServiceTests {
    /// A History service over a fresh log in a temporary folder, and a client to it.
    func withHistory(clock: TestClock? = nil, retentionMs: Int64 = 3_600_000,
                     _ body: (Reco_V1_HistoryService.Client, LoggedHistoryStore) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "reco-history-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = LoggedHistoryStore.Configuration(logPath: directory + "/history/actions.log")
        configuration.retentionMs = retentionMs
        let clockFunction: @Sendable () -> Int64
        if let clock { clockFunction = clock.function } else { clockFunction = { nowMs() } }
        let store = try LoggedHistoryStore(configuration: configuration, clock: clockFunction)
        let provider = HistoryServiceProvider(store: store, clock: clockFunction)
        try await withInProcess([provider]) { transport in
            try await body(Reco_V1_HistoryService.Client(channel: transport), store)
        }
    }

    func request(user: String = "u1", session: String = "", windowSeconds: Int64 = 0, limit: Int32 = 0) -> Reco_V1_HistoryRequest {
        var request = Reco_V1_HistoryRequest()
        request.userId = user
        request.sessionId = session
        request.windowSeconds = windowSeconds
        request.limit = limit
        return request
    }

    @Test("recorded actions come back newest first, weighted by kind, keywords normalised")
    func recordAndQuery() async throws {
        try await withHistory { history, _ in
            let now = nowMs()
            _ = try await history.record(action("e1", kind: .shopClick, shop: 11, at: now - 5000))
            _ = try await history.record(action("e2", kind: .keywordSearch, keyword: "  아이스   아메리카노 ", at: now - 4000))
            _ = try await history.record(action("e3", kind: .shopView, shop: 12, at: now - 3000))
            // "마라탕" typed as conjoining jamo (NFD) is the same keyword as the precomposed one.
            let decomposed = "마라탕".decomposedStringWithCanonicalMapping
            #expect(decomposed.unicodeScalars.count > 3)
            let recorded = try await history.record(action("e4", session: "s2", kind: .keywordSearch, keyword: decomposed, at: now - 2000))
            #expect(recorded.normalizedKeyword == "마라탕")
            #expect(recorded.normalizedKeyword.unicodeScalars.count == 3)
            _ = try await history.record(action("e5", session: "s2", kind: .order, shop: 13, at: now - 1000))
            _ = try await history.record(action("e6", session: "s2", kind: .addToCart, shop: 14, at: now - 1500))

            let keywords = try await history.userKeywords(request())
            #expect(keywords.keywords.map(\.keyword) == ["마라탕", "아이스 아메리카노"])
            #expect(keywords.keywords.allSatisfy { $0.weight == 1.0 })

            let shops = try await history.userShops(request())
            #expect(shops.shops.map(\.shopId) == [13, 14, 12, 11])
            #expect(shops.shops.map(\.weight) == [2.0, 1.5, 0.5, 1.0])
            #expect(shops.shops.map(\.kind) == [.order, .addToCart, .shopView, .shopClick])

            let session = try await history.sessionHistory(request(session: "s2"))
            #expect(session.keywords.map(\.keyword) == ["마라탕"])
            #expect(session.shops.map(\.shopId) == [13, 14])

            let limited = try await history.userShops(request(limit: 2))
            #expect(limited.shops.map(\.shopId) == [13, 14])
        }
    }

    @Test("a repeated event id is dropped as a duplicate")
    func duplicates() async throws {
        try await withHistory { history, _ in
            let first = try await history.record(action("same", kind: .shopClick, shop: 1))
            let second = try await history.record(action("same", kind: .shopClick, shop: 2))
            #expect(!first.duplicate)
            #expect(second.duplicate)
            #expect(try await history.userShops(request()).shops.map(\.shopId) == [1])
        }
    }

    @Test("malformed actions are INVALID_ARGUMENT naming the field")
    func malformed() async throws {
        try await withHistory { history, _ in
            let cases: [(Reco_V1_UserAction, String)] = [
                (action("", kind: .shopClick, shop: 1), "event_id"),
                (action("e", user: "", kind: .shopClick, shop: 1), "user_id"),
                (action("e", session: "", kind: .shopClick, shop: 1), "session_id"),
                (action("e", kind: .unspecified, shop: 1), "kind"),
                (action("e", kind: .keywordSearch, shop: 1), "keyword"),
                (action("e", kind: .keywordSearch, keyword: "   "), "keyword"),
                (action("e", kind: .shopClick, keyword: "치킨"), "shop_id"),
                (action("e", kind: .shopClick, shop: -3), "shop_id"),
                (action("e", kind: .shopClick, shop: 1, at: nowMs() + 3_600_000), "timestamp_ms"),
                (action("e", kind: .shopClick, shop: 1, at: nowMs() - 2 * 3_600_000), "timestamp_ms"),
            ]
            for (bad, field) in cases {
                let error = await #expect(throws: RPCError.self) { try await history.record(bad) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.hasPrefix(field + ":") == true, "\(error?.message ?? "") should name \(field)")
            }
            // The server keeps serving.
            let good = try await history.record(action("ok", kind: .shopClick, shop: 1))
            #expect(!good.duplicate)
        }
    }

    @Test("Ingest applies a stream, counting rejections and duplicates without ending it")
    func ingestStream() async throws {
        try await withHistory { history, _ in
            let summary = try await history.ingest { writer in
                for index in 0..<50 {
                    try await writer.write(action("i\(index)", kind: .shopClick, shop: Int64(100 + index)))
                }
                try await writer.write(action("bad", user: "", kind: .shopClick, shop: 1))
                try await writer.write(action("i3", kind: .shopClick, shop: 1))
                try await writer.write(action("late", kind: .shopClick, shop: 1, at: nowMs() - 2 * 3_600_000))
                try await writer.write(action("k", kind: .keywordSearch, keyword: "치킨"))
                writer.finish()
            }
            #expect(summary.accepted == 51)
            #expect(summary.duplicates == 1)
            #expect(summary.rejected == 1)
            #expect(summary.expired == 1)
            #expect(summary.rejections.count == 1)
            #expect(summary.rejections.first?.index == 50)
            #expect(summary.rejections.first?.field == "user_id")
            let shops = try await history.userShops(request())
            #expect(shops.shops.count == 50)
            #expect(shops.shops.first?.shopId == 149)
        }
    }

    @Test("the window: older entries are not returned; a narrower window returns fewer")
    func window() async throws {
        let clock = TestClock(nowMs())
        try await withHistory(clock: clock) { history, store in
            let now = clock.now
            _ = try await history.record(action("old", kind: .shopClick, shop: 1, at: now - 59 * 60_000))
            _ = try await history.record(action("new", kind: .shopClick, shop: 2, at: now - 60_000))
            #expect(try await history.userShops(request()).shops.map(\.shopId) == [2, 1])
            #expect(try await history.userShops(request(windowSeconds: 600)).shops.map(\.shopId) == [2])
            // Asking for more than the retention window gets the retention window.
            #expect(try await history.userShops(request(windowSeconds: 86_400)).shops.map(\.shopId) == [2, 1])
            // Two minutes later the first has passed the hour: no longer returned, then swept.
            clock.advance(byMs: 2 * 60_000)
            #expect(try await history.userShops(request()).shops.map(\.shopId) == [2])
            #expect(store.liveCount == 2)
            store.maintain(sweep: true)
            #expect(store.liveCount == 1)
        }
    }

    @Test("bad queries are INVALID_ARGUMENT")
    func badQueries() async throws {
        try await withHistory { history, _ in
            for bad in [request(user: ""), request(windowSeconds: -1), request(limit: -1)] {
                let error = await #expect(throws: RPCError.self) { try await history.userActivity(bad) }
                #expect(error?.code == .invalidArgument)
            }
        }
    }

    @Test("the per-user cap drops the oldest and counts them in the store and in the metrics")
    func capCounted() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = LoggedHistoryStore.Configuration(logPath: directory + "/actions.log")
            configuration.capacityPerKey = 10
            let metrics = RecoMetrics()
            let store = try LoggedHistoryStore(configuration: configuration, metrics: metrics)
            let now = nowMs()
            let actions = (0..<15).map { index in
                RecordedAction(eventId: "e\(index)", userId: "u", sessionId: "s\(index)", kind: .shopClick,
                               target: .shop(Int64(index + 1)), timestampMs: now - 15_000 + Int64(index) * 1000)
            }
            #expect(try await store.append(actions).allSatisfy { $0 == .stored })
            #expect(store.droppedOverCapacity == 5)
            let kept = try await store.actions(ofUser: "u", .all(sinceMs: 0))
            #expect(kept.map(\.eventId) == (5..<15).reversed().map { "e\($0)" })
            store.maintain(sweep: false)
            let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(exposition.contains("reco_history_actions_dropped_total{reason=\"user_capacity\"} 5"), "\(exposition)")
        }
    }

    @Test("a query returns at most its counts of keywords and of shops, newest first, and nothing older than since")
    func queryCounts() async throws {
        try await withHistory { history, store in
            let now = nowMs()
            for index in 0..<40 {
                let at = now - 40_000 + Int64(index) * 1000
                if index % 4 == 0 {
                    _ = try await history.record(action("k\(index)", kind: .keywordSearch, keyword: "키워드 \(index)", at: at))
                } else {
                    _ = try await history.record(action("s\(index)", kind: .shopView, shop: Int64(index + 1), at: at))
                }
            }
            let both = try await store.actions(ofUser: "u1", HistoryQuery(sinceMs: 0, keywords: 2, shops: 3))
            #expect(both.map(\.eventId) == ["s39", "s38", "s37", "k36", "k32"])
            let shopsOnly = try await store.actions(ofUser: "u1", HistoryQuery(sinceMs: now - 5_500, keywords: nil, shops: 0))
            #expect(shopsOnly.map(\.eventId) == ["s39", "s38", "s37", "s35"])
            let activity = try await history.userActivity(request(limit: 2))
            #expect(activity.keywords.map(\.eventId) == ["k36", "k32"])
            #expect(activity.shops.map(\.eventId) == ["s39", "s38"])
        }
    }

    @Test("a NUL inside a string is INVALID_ARGUMENT naming the field, never truncated into another user's history")
    func nulRefused() async throws {
        try await withHistory { history, store in
            /// A UserAction on the wire: event_id, user_id, session_id, kind = click, shop_id = 7.
            func encoded(event: [UInt8], user: [UInt8], keyword: [UInt8]? = nil) -> [UInt8] {
                var bytes: [UInt8] = [0x0a, UInt8(event.count)] + event + [0x12, UInt8(user.count)] + user + [0x1a, 0x01, 0x73]
                if let keyword {
                    bytes += [0x20, UInt8(Reco_V1_ActionKind.keywordSearch.rawValue), 0x32, UInt8(keyword.count)] + keyword
                } else {
                    bytes += [0x20, UInt8(Reco_V1_ActionKind.shopClick.rawValue), 0x28, 0x07]
                }
                return bytes
            }
            do {
                let channel = history.channel
                let cases: [(bytes: [UInt8], field: String)] = [
                    (encoded(event: Array("e1".utf8), user: Array("user-0001".utf8) + [0] + Array("attacker".utf8)), "user_id"),
                    (encoded(event: Array("raw5".utf8) + [0, 0x78], user: Array("u1".utf8)), "event_id"),
                    (encoded(event: Array("e2".utf8), user: Array("u1".utf8), keyword: Array("마라탕".utf8) + [0] + Array("junk".utf8)), "keyword"),
                ]
                for (bytes, field) in cases {
                    let error = await #expect(throws: RPCError.self) {
                        try await channel.unaryRaw(Reco_V1_HistoryService.Method.record, request: bytes)
                    }
                    #expect(error?.code == .invalidArgument, "\(String(describing: error))")
                    #expect(error?.message.contains("'\(field)'") == true, "\(String(describing: error))")
                }
            }
            #expect(try await store.actions(ofUser: "user-0001", .all(sinceMs: 0)).isEmpty)
            #expect(try await store.actions(ofUser: "u1", .all(sinceMs: 0)).isEmpty)
            // The server keeps serving.
            _ = try await history.record(action("raw5", kind: .shopClick, shop: 7))
        }
    }
}
