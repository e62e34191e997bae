import Courier

/// Counts every RPC and times it, by method and final status.
public struct MetricsInterceptor: ServerInterceptor {
    public let metrics: RecoMetrics

    public init(metrics: RecoMetrics) { self.metrics = metrics }

    public func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
        let start = ContinuousClock.now
        do {
            try await next(context)
            metrics.recordRequest(method: context.method, code: .ok, duration: .now - start)
        } catch {
            metrics.recordRequest(method: context.method, code: RPCError(reporting: error).code, duration: .now - start)
            throw error
        }
    }
}
