import Courier
import RecoProtos
import Prometheus
import Synchronization

/// The Prometheus metrics of a reco process: per-method request counts and latencies by status,
/// and how SearchHome answered. Exposed in the text format at `/metrics` (`MetricsHTTPServer`).
public final class RecoMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Latency buckets in seconds: 100 µs to 2.5 s.
    private static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(150), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
    ]

    /// The counter and histogram of each (method, status), made once: the registry's lookup by
    /// name and labels is too slow to repeat for every call.
    private let rpcSeries = Mutex<[RPCSeriesKey: (Counter, DurationHistogram)]>([:])

    /// By the method's path (a stored string) and the status: nothing is formatted per call.
    private struct RPCSeriesKey: Hashable {
        var path: String
        var code: StatusCode
    }

    private static var requests: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "reco", subsystem: "rpc", metricName: "requests", unitName: "total", helpText: "RPCs handled, by method and gRPC status") }
    private static var duration: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "reco", subsystem: "rpc", metricName: "duration", unitName: "seconds",
        helpText: "RPC latency as the server saw it, by method and gRPC status") }
    private static var recommendations: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "reco", metricName: "recommendations", unitName: "total", helpText: "Recommend answers by the strategy used") }
    private static var degraded: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "reco", subsystem: "recommendations", metricName: "degraded", unitName: "total",
        helpText: "Recommend answers that fell back because a dependency failed or ran out of time") }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// One finished RPC as the server saw it.
    public func recordRequest(method: MethodDescriptor, code: StatusCode, duration: Duration) {
        let key = RPCSeriesKey(path: method.path, code: code)
        let (counter, histogram) = rpcSeries.withLock { series in
            if let existing = series[key] { return existing }
            let labels = [("method", method.description), ("code", code.description)]
            let made = (
                registry.makeCounter(descriptor: Self.requests, labels: labels),
                registry.makeDurationHistogram(descriptor: Self.duration, labels: labels, buckets: Self.latencyBuckets))
            series[key] = made
            return made
        }
        counter.increment()
        histogram.recordNanoseconds(duration.nanoseconds)
    }

    private let recommendationSeries = Mutex<[String: Counter]>([:])

    /// How SearchHome answered: the strategy, and the dependency that made it degrade, if any.
    public func recordRecommendation(strategy: Reco_V1_Strategy?, degradedBy dependency: String?) {
        counter("strategy:" + Self.label(strategy)) {
            $0.makeCounter(descriptor: Self.recommendations, labels: [("strategy", Self.label(strategy))])
        }.increment()
        if let dependency {
            counter("degraded:" + dependency) {
                $0.makeCounter(descriptor: Self.degraded, labels: [("dependency", dependency)])
            }.increment()
        }
    }

    private static var historyDropped: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "reco", subsystem: "history", metricName: "actions_dropped", unitName: "total",
        helpText: "Acknowledged actions History stopped keeping before their TTL, by reason") }

    /// Actions History dropped before their TTL (e.g. a user over the per-user cap).
    public func recordHistoryDropped(_ count: Int, reason: String) {
        counter("history_dropped:" + reason) {
            $0.makeCounter(descriptor: Self.historyDropped, labels: [("reason", reason)])
        }.increment(by: Int64(count))
    }

    private static var busEntries: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "reco", subsystem: "history_bus", metricName: "entries", unitName: "total",
        helpText: "Action-bus entries a History replica consumed, by outcome (stored, duplicate, expired, unreadable) and whether claimed from a dead replica") }

    /// Entries of the action bus a History replica consumed, by outcome.
    public func recordBusEntries(_ count: Int, outcome: String, claimed: Bool) {
        guard count > 0 else { return }
        counter("bus:\(outcome):\(claimed)") {
            $0.makeCounter(descriptor: Self.busEntries, labels: [("outcome", outcome), ("claimed", claimed ? "true" : "false")])
        }.increment(by: Int64(count))
    }

    private func counter(_ key: String, make: (PrometheusCollectorRegistry) -> Counter) -> Counter {
        recommendationSeries.withLock { series in
            if let existing = series[key] { return existing }
            let made = make(registry)
            series[key] = made
            return made
        }
    }

    /// The text exposition format.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    static func label(_ strategy: Reco_V1_Strategy?) -> String {
        switch strategy {
        case .rerank?: "rerank"
        case .twoTower?: "two_tower"
        case .popular?: "popular"
        default: "none"
        }
    }
}
