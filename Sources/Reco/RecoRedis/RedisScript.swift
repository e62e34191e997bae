import NIOConcurrencyHelpers

/// A Lua script run by its SHA1 (`EVALSHA`), loaded once (`SCRIPT LOAD`) instead of sent and
/// hashed by Redis on every call. A Redis that restarted has forgotten it: `run` loads it again
/// and retries once on `NOSCRIPT`.
public final class RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    private let sha = NIOLockedValueBox<String?>(nil)

    /// A script with `source`; nothing is sent until it is first run.
    public init(_ source: String) { self.source = source }

    /// Runs the script once per element of `calls` (its keys and arguments), in one pipeline, and
    /// returns the replies in order.
    public func run(_ calls: [(keys: [RedisArgument], arguments: [RedisArgument])], on redis: RedisClient) async throws(RedisError) -> [RESPValue] {
        for attempt in 0..<2 {
            let sha = try await loaded(on: redis)
            let replies = try await redis.pipeline(calls.map { call in
                RedisCommand(["EVALSHA", .text(sha), .int(Int64(call.keys.count))] + call.keys + call.arguments)
            })
            let forgotten = replies.contains { if case .error(let message) = $0 { message.hasPrefix("NOSCRIPT") } else { false } }
            guard forgotten, attempt == 0 else { return replies }
            self.sha.withLockedValue { $0 = nil }
        }
        return []
    }

    private func loaded(on redis: RedisClient) async throws(RedisError) -> String {
        if let sha = sha.withLockedValue({ $0 }) { return sha }
        guard let sha = try await redis.send(["SCRIPT", "LOAD", .text(source)]).string else {
            throw .protocolViolation("SCRIPT LOAD answered no SHA1")
        }
        self.sha.withLockedValue { $0 = sha }
        return sha
    }
}
