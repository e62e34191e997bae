import RecoCore
import Courier

/// Counts every RPC and times it, by method and final status (`RecoMetrics.recordRequest`). An
/// observer, not an interceptor: handlers that answer without suspending keep their fast path.
public struct MetricsObserver: ServerCallObserver {
    public let metrics: RecoMetrics

    /// An observer recording into `metrics`.
    public init(metrics: RecoMetrics) { self.metrics = metrics }

    /// Records the call's status and how long its handler ran.
    public func callEnded(context: ServerContext, status: StatusCode, duration: Duration) {
        metrics.recordRequest(method: context.method, code: status, duration: duration)
    }
}
