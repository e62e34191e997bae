import Courier
import GRPCServiceProtos
import RecoProtos
import Foundation
import Reco
import Testing
import CourierTestSupport

/// What `reco serve` does with a data directory that is not as it should be, and how it reports
/// its own health: a real process each time.
@Suite("reco serve starts safely and reports its health truthfully", .timeLimit(.minutes(3)))
struct StartupSafetyTests {
    @Test("a bad newest part_date falls back to the newest good one; when none loads, a clear error and exit 1")
    func badNewestFallsBack() async throws {
        try await withTemporaryDirectory { data in
            try BatchValidationTests.writeCandidates(BatchValidationTests.goodShops, to: data + "/candidates/2026-11-22")
            try BatchValidationTests.writeCandidates(BatchValidationTests.goodShops + "3\tx\ty\tnan\t127\t2000\t1\n", to: data + "/candidates/2026-11-23")
            let reco = try await RecoProcess(["--service", "candidates", "--data-dir", data])
            defer { reco.killNow() }
            try await withChannel(port: reco.port) { (channel: GRPCChannel) async throws -> Void in
                var request = Reco_V1_CandidatesRequest()
                request.userId = "u1"
                #expect(try await Reco_V1_CandidateService.Client(channel: channel).getCandidates(request).partDate == "2026-11-22")
            }
            // The older one broken too: nothing to serve, said plainly.
            try "garbage\nu1\n".write(toFile: data + "/candidates/2026-11-22/two_tower.tsv", atomically: true, encoding: .utf8)
            let refusal = try await RecoProcess.refusal(["--service", "candidates", "--data-dir", data])
            #expect(refusal.status == 1)
            #expect(refusal.error.contains("no complete part_date loads"), "\(refusal.error)")
            #expect(refusal.error.contains("2026-11-23/shops.tsv:4: latitude"), "\(refusal.error)")
        }
    }

    @Test("batch folders with none complete: an error naming what is missing, no demo data; --demo writes it")
    func noSilentDemoData() async throws {
        try await withTemporaryDirectory { data in
            try FileManager.default.createDirectory(atPath: data + "/candidates/2026-11-22", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: data + "/embeddings/2026-11-22", withIntermediateDirectories: true)
            let refusal = try await RecoProcess.refusal(["--data-dir", data])
            #expect(refusal.status == 1)
            #expect(refusal.error.contains("candidates: no complete part_date (2026-11-22 has no _SUCCESS)"), "\(refusal.error)")
            #expect(refusal.error.contains("--demo"), "\(refusal.error)")
            #expect(!FileManager.default.fileExists(atPath: data + "/candidates/2026-11-22/shops.tsv"))

            // Writing the full demo data set in a debug build (under ASan in CI) takes a while.
            let demo = try await RecoProcess(["--data-dir", data, "--demo"], timeout: .seconds(150))
            defer { demo.killNow() }
            try await withChannel(port: demo.port) { (channel: GRPCChannel) async throws -> Void in
                var request = Reco_V1_RecommendRequest()
                request.userId = "user-burger"
                #expect(try await Reco_V1_SearchHomeService.Client(channel: channel).recommend(request).shops.count > 0)
            }
        }
    }

    @Test("a second History on the same data directory refuses to start")
    func historyDirectoryLocked() async throws {
        try await withTemporaryDirectory { data in
            let first = try await RecoProcess(["--service", "history", "--data-dir", data])
            defer { first.killNow() }
            let second = try await RecoProcess.refusal(["--service", "history", "--data-dir", data])
            #expect(second.status == 1)
            #expect(second.error.contains("another process holds it"), "\(second.error)")
            // The lock dies with its holder: after a SIGKILL a new History starts.
            await first.kill()
            let third = try await RecoProcess(["--service", "history", "--data-dir", data])
            await third.stop()
        }
    }

    @Test("SearchHome is NOT_SERVING while it cannot reach Candidates, SERVING once it can")
    func healthFollowsCandidates() async throws {
        try await withTemporaryDirectory { data in
            let candidatesPort = try freeLoopbackPort()
            let searchHome = try await RecoProcess([
                "--service", "searchhome", "--data-dir", data + "/sh",
                "--candidates", "127.0.0.1:\(candidatesPort)", "--history", "127.0.0.1:1", "--similarity", "127.0.0.1:1",
            ])
            defer { searchHome.killNow() }
            try await withChannel(port: searchHome.port) { (channel: GRPCChannel) async throws -> Void in
                let health = Grpc_Health_V1_Health.Client(channel: channel)
                func status(of service: String) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
                    var request = Grpc_Health_V1_HealthCheckRequest()
                    request.service = service
                    return try await health.check(request).status
                }
                func waitFor(_ wanted: Grpc_Health_V1_HealthCheckResponse.ServingStatus) async throws {
                    for _ in 0..<150 where try await status(of: Reco_V1_SearchHomeService.name) != wanted {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    #expect(try await status(of: Reco_V1_SearchHomeService.name) == wanted)
                    #expect(try await status(of: "") == wanted)
                }
                try await waitFor(.notServing)
                let candidates = try await RecoProcess(["--service", "candidates", "--data-dir", try await SharedDemoData.root], port: candidatesPort)
                defer { candidates.killNow() }
                try await waitFor(.serving)
            }
        }
    }
}
