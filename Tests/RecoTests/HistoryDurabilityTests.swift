import Courier
import RecoProtos
import Foundation
import Reco
import Testing

@Suite("History survives SIGKILL", .timeLimit(.minutes(2)))
struct HistoryDurabilityTests {
    @Test("a killed and restarted History returns every action it acknowledged; a torn tail is cut")
    func killAndRestart() async throws {
        try await withTemporaryDirectory { data in
            let arguments = ["--service", "history", "--data-dir", data, "--history-sync", "never"]
            let first = try await RecoProcess(arguments)
            let now = nowMs()
            try await withChannel(port: first.port) { channel in
                let history = Reco_V1_HistoryService.Client(channel: channel)
                for index in 0..<20 {
                    _ = try await history.record(action("r\(index)", kind: .shopClick, shop: Int64(1000 + index), at: now - 20_000 + Int64(index)))
                }
                let summary = try await history.ingest { writer in
                    for index in 0..<30 {
                        try await writer.write(action("s\(index)", session: "s9", kind: .keywordSearch, keyword: "마라탕 \(index)", at: now - 10_000 + Int64(index)))
                    }
                    writer.finish()
                }
                #expect(summary.accepted == 30)
            }
            // No graceful shutdown, and fsync never ran: what was written must be in the kernel's hands.
            await first.kill()

            // A crash in the middle of a write leaves half a record: append one.
            let log = data + "/history/actions.log"
            let handle = try #require(FileHandle(forWritingAtPath: log))
            handle.seekToEndOfFile()
            handle.write(Data([0x40, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3]))
            try handle.close()

            let second = try await RecoProcess(arguments)
            defer { second.killNow() }
            try await withChannel(port: second.port) { channel in
                let history = Reco_V1_HistoryService.Client(channel: channel)
                var request = Reco_V1_HistoryRequest()
                request.userId = "u1"
                let activity = try await history.userActivity(request)
                #expect(activity.shops.map(\.shopId) == (0..<20).reversed().map { Int64(1000 + $0) })
                #expect(activity.keywords.count == 30)
                #expect(activity.keywords.first?.keyword == "마라탕 29")
                // Duplicates are still recognised after the restart, and new actions are accepted.
                let again = try await history.record(action("r0", kind: .shopClick, shop: 1000, at: now))
                #expect(again.duplicate)
                let fresh = try await history.record(action("after", kind: .shopClick, shop: 7, at: now))
                #expect(!fresh.duplicate)
            }
        }
    }

    @Test("expired actions are compacted out of the log on restart")
    func compactionDropsExpired() async throws {
        try await withTemporaryDirectory { data in
            let clock = TestClock(nowMs())
            var configuration = LoggedHistoryStore.Configuration(logPath: data + "/actions.log")
            configuration.retentionMs = 60_000
            do {
                let store = try LoggedHistoryStore(configuration: configuration, clock: clock.function)
                var actions: [RecordedAction] = []
                for index in 0..<100 {
                    actions.append(RecordedAction(eventId: "e\(index)", userId: "u", sessionId: "s", kind: .shopClick,
                                                  target: .shop(Int64(index + 1)), timestampMs: clock.now - Int64(index) * 1000))
                }
                let outcomes = try await store.append(actions)
                // Within the minute: indexes 0...60 are stored, the rest were already expired.
                #expect(outcomes.filter { $0 == .stored }.count == 61)
                #expect(outcomes.filter { $0 == .expired }.count == 39)
                try store.close()
            }
            let before = try FileManager.default.attributesOfItem(atPath: data + "/actions.log")[.size] as! Int
            clock.advance(byMs: 30_000)
            let reopened = try LoggedHistoryStore(configuration: configuration, clock: clock.function)
            let after = try FileManager.default.attributesOfItem(atPath: data + "/actions.log")[.size] as! Int
            let live = try await reopened.actions(ofUser: "u", .all(sinceMs: 0))
            #expect(live.count == 31)
            #expect(live.first?.eventId == "e0")
            #expect(reopened.liveCount == 31)
            #expect(after < before / 2 + 100, "log \(before) bytes before, \(after) after")
        }
    }
}
