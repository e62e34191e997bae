import CourierTooling
import Courier
import Foundation

/// The figures of `loadtest rpc`.
struct RPCSummary: Codable, Sendable {
    var target: String
    var method: String
    var mode: String
    var sent: Int
    var ok: Int
    var errors: [String: Int]
    var dropped: Int
    var seconds: Double
    var throughputPerSecond: Double
    var meanResponseBytes: Double
    /// OK calls only.
    var latencyMs: LatencyPercentiles
    /// Every call, a failure at the time it took to fail.
    var allCallsLatencyMs: LatencyPercentiles
    /// Open loop: how late calls left after their intended time (the client falling behind).
    var sendLagMs: LatencyPercentiles?

    init(result: RPCLoad.Result, target: String, method: MethodDescriptor, rate: Double?, connections: Int, streams: Int) {
        self.target = target
        self.method = method.description
        mode = rate.map { String(format: "open loop at %.0f/s over %d connection(s)", $0, connections) }
            ?? "closed loop, \(connections) connection(s) x \(streams) stream(s)"
        sent = result.sent
        ok = Int(result.latency.histogram.totalCount)
        errors = result.latency.errors
        dropped = result.dropped
        seconds = result.elapsed.seconds
        throughputPerSecond = seconds > 0 ? Double(ok) / seconds : 0
        meanResponseBytes = ok > 0 ? Double(result.responseBytes) / Double(ok) : 0
        latencyMs = LatencyPercentiles(result.latency.histogram)
        allCallsLatencyMs = LatencyPercentiles(result.latency.allCalls)
        sendLagMs = result.sendLag.map { LatencyPercentiles($0.histogram) }
    }

    func json() throws -> String { try JSONOutput.encode(self) }

    func table() -> String {
        func row(_ name: String, _ p: LatencyPercentiles) -> String {
            "  \(name)  p50 \(String(format: "%.3f", p.p50))  p90 \(String(format: "%.3f", p.p90))  p99 \(String(format: "%.3f", p.p99))  p99.9 \(String(format: "%.3f", p.p99_9))  max \(String(format: "%.3f", p.max))  mean \(String(format: "%.3f", p.mean))"
        }
        var lines = [
            "\(method) on \(target), \(mode)",
            "  \(sent) sent, \(ok) ok in \(String(format: "%.2f", seconds)) s = \(String(format: "%.0f", throughputPerSecond)) calls/s; errors: \(JSONOutput.errors(errors)); dropped by the client: \(dropped)",
            row("latency ms, OK calls ", latencyMs),
            row("latency ms, all calls", allCallsLatencyMs) + "  (failures at their time to failure)",
        ]
        if let sendLagMs { lines.append(row("send lag ms          ", sendLagMs) + "  (how late calls left: the client's own delay)") }
        return lines.joined(separator: "\n")
    }
}
