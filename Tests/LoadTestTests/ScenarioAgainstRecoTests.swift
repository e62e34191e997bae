import Courier
import Foundation
@testable import loadtest
import Reco
import Testing

@Suite("A short scenario against reco serve", .timeLimit(.minutes(2)))
struct ScenarioAgainstRecoTests {
    @Test("every call is accounted for, percentiles are ordered, freshness is measured for the probes")
    func shortScenario() async throws {
        let data = NSTemporaryDirectory() + "loadtest-reco-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: data) }
        var configuration = RecoNodeConfiguration()
        configuration.port = 0
        configuration.metricsPort = nil
        configuration.threads = 1
        configuration.dataDirectory = data
        configuration.demo.shops = 600
        configuration.demo.users = 20
        configuration.demo.sessions = 5
        configuration.demo.dimensions = 32
        // Debug builds on two busy cores: a generous budget so the figures, not timeouts, are tested.
        configuration.searchHome.deadline = .seconds(2)
        let node = try RecoNode(configuration: configuration)
        let port = try await node.start()
        let channel = GRPCChannel(host: "127.0.0.1", port: port)
        let settings = ScenarioRun.Settings(
            rate: 100, duration: .seconds(2), warmup: .milliseconds(300), eventRate: 50, limit: 10, deadline: .seconds(3),
            probeInterval: .milliseconds(200), probePoll: .milliseconds(5), probeTimeout: .seconds(3), maxInFlight: 10_000)
        let run = ScenarioRun(
            channel: channel, settings: settings,
            actions: ScenarioActions(users: 20, shops: 600, runId: "test", center: (37.5665, 126.9780), spread: 0.03))
        let result = try await run.run(progress: false)
        await channel.close()
        await node.shutdown()

        let summary = ScenarioSummary(result: result, settings: settings, target: "127.0.0.1:\(port)", budget: .seconds(1))
        // Every Recommend sent in the measured window either answered or failed with a status.
        #expect(summary.recommend.sent == 200)
        #expect(summary.recommend.ok + summary.recommend.errors.values.reduce(0, +) + summary.recommend.dropped == summary.recommend.sent)
        #expect(summary.recommend.ok > 0, "errors: \(summary.recommend.errors)")
        let latency = summary.recommend.latencyMs
        #expect(0 < latency.p50 && latency.p50 <= latency.p90 && latency.p90 <= latency.p99 && latency.p99 <= latency.p99_9 && latency.p99_9 <= latency.max)
        // Freshness: the probes started in the window were each reflected, timed out or failed.
        #expect(summary.freshness.probes >= 5)
        #expect(summary.freshness.reflected + summary.freshness.timedOut + summary.freshness.errors.values.reduce(0, +) == summary.freshness.probes)
        #expect(summary.freshness.reflected > 0, "freshness errors: \(summary.freshness.errors), timed out: \(summary.freshness.timedOut)")
        #expect(summary.freshness.latencyMs.p50 > 0)
        #expect(summary.freshness.latencyMs.p50 <= summary.freshness.latencyMs.max)
        // The event stream accounts for every action sent on it, the generator's and the probes'.
        #expect(summary.ingest.error == nil)
        #expect(summary.ingest.sent >= 100 + summary.freshness.probes)
        #expect(summary.ingest.accepted + summary.ingest.duplicates + summary.ingest.rejected + summary.ingest.expired
                    == Int64(summary.ingest.sent))
        #expect(summary.ingest.rejected == 0)
        // The outputs carry the same figures.
        let json = try JSONSerialization.jsonObject(with: Data(try summary.json().utf8)) as? [String: Any]
        #expect((json?["recommend"] as? [String: Any])?["sent"] as? Int == 200)
        #expect(summary.table().contains("freshness"))
        let html = HTMLReport.scenario(summary: summary, result: result)
        // Self-contained: inline SVG plots, nothing fetched (no scripts, links or remote sources).
        #expect(html.components(separatedBy: "<svg").count == 3)
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("src="))
    }
}
