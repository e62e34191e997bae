/// Wraps every call a server handles: for logging, metrics, authentication. Throw an `RPCError`
/// to reject the call (e.g. UNAUTHENTICATED); errors from `next` pass through it.
public protocol ServerInterceptor: Sendable {
    func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws
}

extension Array where Element == any ServerInterceptor {
    /// Runs `body` inside every interceptor, the first one outermost.
    func run(context: ServerContext, from index: Int = 0, _ body: (ServerContext) async throws -> Void) async throws {
        guard index < count else { return try await body(context) }
        try await self[index].intercept(context: context) { context in
            try await run(context: context, from: index + 1, body)
        }
    }
}
