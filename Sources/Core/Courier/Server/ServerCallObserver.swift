/// Sees every call a server's handlers end — its status and how long its handler ran — without
/// wrapping it. For metrics and logs: unlike a `ServerInterceptor` (which suspends around the
/// handler, so it needs a task), an observer keeps `MethodHandler.immediateUnary` handlers on
/// their fast path. Called on the connection's event loop: keep it to microseconds.
public protocol ServerCallObserver: Sendable {
    /// The handler of `context`'s call returned (`status` OK) or threw, `duration` after it started.
    func callEnded(context: ServerContext, status: StatusCode, duration: Duration)
}
