/// Runs `body`, then `close`, whether `body` returns or throws: the scope of a server or channel
/// that lives for one piece of work (`Server.serving`, `GRPCChannel.closing(after:)`). Async
/// closing cannot go in a `defer`, so both paths call it.
func closingAfter<R>(_ body: () async throws -> R, close: () async -> Void) async throws -> R {
    do {
        let result = try await body()
        await close()
        return result
    } catch {
        await close()
        throw error
    }
}
