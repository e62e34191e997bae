import CourierTooling
import Foundation
import Histogram

/// The figures of a scenario run, as the table, the JSON and the report show them.
struct ScenarioSummary: Codable, Sendable {
    struct Recommend: Codable, Sendable {
        var sent: Int
        var ok: Int
        var errors: [String: Int]
        var dropped: Int
        var throughputPerSecond: Double
        /// OK calls only.
        var latencyMs: LatencyPercentiles
        /// Every call, a failure at the time it took to fail.
        var allCallsLatencyMs: LatencyPercentiles
        /// How late calls left after their intended time: the client falling behind.
        var sendLagMs: LatencyPercentiles
    }

    struct Freshness: Codable, Sendable {
        var probes: Int
        var reflected: Int
        var timedOut: Int
        /// Polling Recommends that failed, by status (the probe went on polling).
        var pollFailures: [String: Int]
        var pollingRecommends: Int
        var latencyMs: LatencyPercentiles
    }

    struct Ingest: Codable, Sendable {
        var sent: Int
        var accepted: Int64
        var duplicates: Int64
        var rejected: Int64
        var expired: Int64
        var error: String?
    }

    var target: String
    var rate: Double
    var durationSeconds: Double
    var eventRate: Double
    var recommend: Recommend
    var freshness: Freshness
    var ingest: Ingest
    var budgetMs: Double
    var passed: Bool
    /// Why it passed or failed, in words: every reason, not only the p99.
    var verdict: String

    init(result: ScenarioRun.Result, settings: ScenarioRun.Settings, target: String, budget: Duration) {
        self.target = target
        rate = settings.rate
        durationSeconds = settings.duration.seconds
        eventRate = settings.eventRate
        let ok = Int(result.recommend.histogram.totalCount)
        recommend = Recommend(
            sent: result.recommendSent, ok: ok, errors: result.recommend.errors, dropped: result.dropped,
            throughputPerSecond: Double(ok) / settings.duration.seconds, latencyMs: LatencyPercentiles(result.recommend.histogram),
            allCallsLatencyMs: LatencyPercentiles(result.recommend.allCalls), sendLagMs: LatencyPercentiles(result.sendLag.histogram))
        let freshnessCount = Int(result.freshness.histogram.totalCount)
        freshness = Freshness(
            probes: result.probesStarted, reflected: freshnessCount - result.probesTimedOut, timedOut: result.probesTimedOut,
            pollFailures: result.probePollFailures, pollingRecommends: result.probeRecommends,
            latencyMs: LatencyPercentiles(result.freshness.histogram))
        ingest = Ingest(
            sent: result.eventsSent, accepted: result.ingest?.accepted ?? 0, duplicates: result.ingest?.duplicates ?? 0,
            rejected: result.ingest?.rejected ?? 0, expired: result.ingest?.expired ?? 0, error: result.ingestError)
        budgetMs = budget.seconds * 1000
        (passed, verdict) = Self.verdict(
            measured: freshnessCount, probes: freshness.probes, timedOut: freshness.timedOut,
            timeout: settings.probeTimeout, p99Ms: freshness.latencyMs.p99, budgetMs: budgetMs)
    }

    /// PASS only when probes were measured, every one was reflected, and the p99 (timed-out probes
    /// counted at the timeout) is within the budget; a FAIL names each reason.
    static func verdict(measured: Int, probes: Int, timedOut: Int, timeout: Duration, p99Ms: Double, budgetMs: Double) -> (passed: Bool, text: String) {
        var reasons: [String] = []
        if measured == 0 { reasons.append("no probe was measured") }
        if timedOut > 0 { reasons.append("\(timedOut) of \(probes) probes failed (not reflected within \(timeout))") }
        let p99 = "freshness p99 \(String(format: "%.3f", p99Ms)) ms"
        let limit = "\(String(format: "%.0f", budgetMs)) ms"
        if measured > 0 && p99Ms > budgetMs { reasons.append("\(p99) > \(limit)") }
        if reasons.isEmpty { return (true, "PASS: \(p99) <= \(limit)") }
        return (false, "FAIL: " + reasons.joined(separator: "; "))
    }

    func json() throws -> String { try JSONOutput.encode(self) }

    func table() -> String {
        func row(_ name: String, _ p: LatencyPercentiles) -> String {
            String(format: "  %-11@ %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f", name as NSString, p.p50, p.p90, p.p99, p.p99_9, p.max, p.mean)
        }
        let errors = JSONOutput.errors
        var lines: [String] = []
        lines.append("scenario against \(target): \(String(format: "%.0f", rate)) Recommend/s (open loop) and \(String(format: "%.0f", eventRate)) events/s through Ingest for \(String(format: "%.0f", durationSeconds)) s")
        lines.append("")
        lines.append("  latency ms        p50       p90       p99     p99.9       max      mean")
        lines.append(row("Recommend", recommend.latencyMs) + "  OK calls")
        lines.append(row("  all calls", recommend.allCallsLatencyMs) + "  failures at their time to failure")
        lines.append(row("  send lag", recommend.sendLagMs) + "  how late calls left: the client's own delay")
        lines.append(row("freshness", freshness.latencyMs))
        lines.append("")
        lines.append("  Recommend: \(recommend.sent) sent, \(recommend.ok) ok (\(String(format: "%.0f", recommend.throughputPerSecond))/s), errors: \(errors(recommend.errors)), dropped by the client: \(recommend.dropped)")
        lines.append("  freshness: \(freshness.probes) probes, \(freshness.reflected) reflected, \(freshness.timedOut) timed out (counted at the timeout); \(freshness.pollingRecommends) polling Recommends (not in the figures above), failed: \(errors(freshness.pollFailures))")
        if let error = ingest.error {
            lines.append("  Ingest: \(ingest.sent) sent, stream failed: \(error)")
        } else {
            lines.append("  Ingest: \(ingest.sent) sent, \(ingest.accepted) accepted, \(ingest.duplicates) duplicates, \(ingest.rejected) rejected, \(ingest.expired) expired")
        }
        lines.append("")
        lines.append("  budget: \(verdict)")
        return lines.joined(separator: "\n")
    }
}
