import Courier
import CourierTestSupport
import Foundation
@testable import loadtest
import Reco
import Testing

@Suite("A short scenario against reco serve", .timeLimit(.minutes(2)))
struct ScenarioAgainstRecoTests {
    /// The users and shops loadtest acts with in the small demo city (`DemoDataGenerator.Configuration.small`).
    static func actions(runId: String) -> ScenarioActions {
        let demo = DemoDataGenerator.Configuration.small
        return ScenarioActions(users: demo.users, shops: demo.shops, runId: runId, center: (37.5665, 126.9780), spread: 0.03)
    }

    @Test("every call is accounted for, percentiles are ordered, freshness is measured for the probes")
    func shortScenario() async throws {
        let data = NSTemporaryDirectory() + "loadtest-reco-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: data) }
        var configuration = RecoNodeConfiguration()
        configuration.port = 0
        configuration.metricsPort = nil
        configuration.threads = 1
        configuration.dataDirectory = data
        // Debug builds on two busy cores: a generous budget so the figures, not timeouts, are tested.
        configuration.searchHome.deadline = .seconds(2)
        try DemoDataBootstrap.prepare(dataDirectory: data, role: .all, demo: .small, force: false)
        let node = try RecoNode(configuration: configuration)
        let port = try await node.start()
        let channel = GRPCChannel(host: "127.0.0.1", port: port)
        let settings = ScenarioRun.Settings(
            rate: 100, duration: .seconds(2), warmup: .milliseconds(300), eventRate: 50, limit: 10, deadline: .seconds(3),
            probeInterval: .milliseconds(200), probePoll: .milliseconds(5), probeTimeout: .seconds(3), maxInFlight: 10_000)
        let run = ScenarioRun(
            channel: channel, settings: settings,
            actions: Self.actions(runId: "test"))
        let result = try await run.run(progress: false)
        await channel.close()
        await node.shutdown()

        let summary = ScenarioSummary(result: result, settings: settings, target: "127.0.0.1:\(port)", budget: .seconds(1))
        // Every Recommend sent in the measured window either answered or failed with a status.
        #expect(summary.recommend.sent == 200)
        #expect(summary.recommend.ok + summary.recommend.errors.values.reduce(0, +) + summary.recommend.dropped == summary.recommend.sent)
        #expect(summary.recommend.ok > 0, "errors: \(summary.recommend.errors)")
        #expect(Int(result.sendLag.histogram.totalCount) == summary.recommend.sent - summary.recommend.dropped, "every sent call's send lag")
        #expect(summary.table().contains("send lag"))
        let latency = summary.recommend.latencyMs
        #expect(0 < latency.p50 && latency.p50 <= latency.p90 && latency.p90 <= latency.p99 && latency.p99 <= latency.p99_9 && latency.p99_9 <= latency.max)
        // Freshness: the probes started in the window were each reflected or timed out.
        #expect(summary.freshness.probes >= 5)
        #expect(summary.freshness.reflected + summary.freshness.timedOut == summary.freshness.probes)
        #expect(summary.freshness.reflected > 0, "failed polls: \(summary.freshness.pollFailures), timed out: \(summary.freshness.timedOut)")
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

    @Test("a server stopped with SIGSTOP for 1.6 s mid-run: freshness p99 shows the stall and the run fails, naming why")
    func stalledServerIsMeasured() async throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let executable = directory.appendingPathComponent("reco").path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "reco is built beside the tests")
        let data = NSTemporaryDirectory() + "loadtest-stall-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: data) }
        _ = try DemoDataGenerator(configuration: .small).write(to: data)
        let portFile = data + "/port"
        let reco = Process()
        reco.executableURL = URL(fileURLWithPath: executable)
        reco.arguments = ["serve", "--port", "0", "--port-file", portFile, "--no-metrics", "--threads", "1", "--data-dir", data, "--deadline-ms", "2000"]
        reco.standardOutput = FileHandle.nullDevice
        reco.standardError = FileHandle.nullDevice
        try reco.run()
        // SIGKILL also ends a stopped process.
        defer { ChildProcess.killAndReap(reco) }
        var port: Int?
        for _ in 0..<600 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let channel = GRPCChannel(host: "127.0.0.1", port: try #require(port))
        let settings = ScenarioRun.Settings(
            rate: 100, duration: .seconds(4), warmup: .milliseconds(300), eventRate: 20, limit: 10, deadline: .seconds(1),
            probeInterval: .milliseconds(10), probePoll: .milliseconds(5), probeTimeout: .seconds(5), maxInFlight: 10_000)
        let run = ScenarioRun(
            channel: channel, settings: settings,
            actions: Self.actions(runId: "stall"))
        // Stop the server 1 s into the measured window (the run says when that starts: probe
        // users are found first, which takes a while on a busy machine).
        let (starts, startsContinuation) = AsyncStream<ContinuousClock.Instant>.makeStream()
        let stall = Task {
            for await measureFrom in starts {
                try await Task.sleep(until: measureFrom + .seconds(1))
                kill(reco.processIdentifier, SIGSTOP)
                try await Task.sleep(for: .milliseconds(1600))
                kill(reco.processIdentifier, SIGCONT)
                return
            }
        }
        let result = try await run.run(progress: false) { measureFrom in
            startsContinuation.yield(measureFrom)
            startsContinuation.finish()
        }
        try await stall.value
        await channel.close()
        let summary = ScenarioSummary(result: result, settings: settings, target: "127.0.0.1", budget: .seconds(1))
        #expect(summary.freshness.latencyMs.p99 >= 1500, "freshness p99 \(summary.freshness.latencyMs.p99) ms")
        #expect(!summary.passed)
        #expect(summary.verdict.hasPrefix("FAIL:") && summary.verdict.contains("> 1000 ms"), "\(summary.verdict)")
    }
}
