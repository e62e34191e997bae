import RecoCore
import RecoRedis
import Courier

/// The shared History store in Redis: any History replica answers any user.
///
/// Per user and per session, two sorted sets (keyword searches, shop actions) scored by the
/// action's timestamp; each member is the action in protobuf wire format. A batch of actions is
/// stored by one Lua script, each action atomically: the event id is claimed first (`SET NX` with the window as TTL, so
/// a duplicate, however late it is redelivered, changes nothing), then added to its user's and
/// session's sets, which are trimmed to the window and to `capacityPerKey`, and set to expire when
/// their newest action leaves the window. Reads are one pipelined `ZREVRANGEBYSCORE` per set
/// wanted, limited to what the query asks for.
///
/// Redis errors and outages are UNAVAILABLE (History's callers degrade on it).
public final class RedisHistoryStore: HistoryStore {
    /// How long an action is kept (the window), milliseconds.
    public let retentionMs: Int64
    /// Most actions kept per user or session, per kind of target (keywords, shops).
    public let capacityPerKey: Int
    /// Prefix of every key this store writes.
    public let keyPrefix: String
    private let redis: RedisClient
    private let clock: @Sendable () -> Int64

    /// A store on `redis`; `keyPrefix` separates deployments that share one Redis.
    public init(redis: RedisClient, retentionMs: Int64 = 3_600_000, capacityPerKey: Int = 1000,
                keyPrefix: String = "reco:", clock: @escaping @Sendable () -> Int64 = WallClock.milliseconds) {
        self.redis = redis
        self.retentionMs = retentionMs
        self.capacityPerKey = capacityPerKey
        self.keyPrefix = keyPrefix
        self.clock = clock
    }

    /// Atomically, for each action of a batch: claim the event id, add to both sets, trim them,
    /// set their expiry. One call per batch: a script's fixed cost in Redis (~20 µs) is paid once
    /// per batch, not once per action.
    /// ARGV: retention ms, cutoff, capacity, then per action its score and member; KEYS: per
    /// action its event key, user set and session set. Returns per action 0 for a duplicate,
    /// else 1 + how many actions the capacity pushed out.
    static let storeScript = RedisScript("""
        local retention, cutoff, capacity = tonumber(ARGV[1]), '(' .. ARGV[2], tonumber(ARGV[3])
        local results = {}
        for i = 1, #KEYS / 3 do
          local score, member = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
          if redis.call('SET', KEYS[3 * i - 2], '1', 'NX', 'PX', retention) then
            local dropped = 0
            for k = 3 * i - 1, 3 * i do
              local key = KEYS[k]
              redis.call('ZADD', key, score, member)
              redis.call('ZREMRANGEBYSCORE', key, '-inf', cutoff)
              local extra = redis.call('ZCARD', key) - capacity
              if extra > 0 then
                redis.call('ZREMRANGEBYRANK', key, 0, extra - 1)
                dropped = dropped + extra
              end
              local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
              redis.call('PEXPIREAT', key, tonumber(newest[2]) + retention)
            end
            results[i] = 1 + dropped
          else
            results[i] = 0
          end
        end
        return results
        """)

    public func append(_ actions: [RecordedAction]) async throws -> [AppendOutcome] {
        try await append(stored: actions.map { action throws(RPCError) in try StoredAction(action) })
    }

    /// Stores actions already in their stored form (the bus's entries: their bytes become the
    /// members as they are, without encoding them again).
    func append(stored actions: [StoredAction]) async throws -> [AppendOutcome] {
        let cutoff = clock() - retentionMs
        var outcomes = [AppendOutcome](repeating: .expired, count: actions.count)
        var keys: [RedisArgument] = []
        var arguments: [RedisArgument] = [.int(retentionMs), .int(cutoff), .int(Int64(capacityPerKey))]
        var positions: [Int] = []
        for (position, stored) in actions.enumerated() where stored.action.timestampMs >= cutoff {
            let action = stored.action
            let keywords = if case .keyword = action.target { true } else { false }
            let member = stored.bytes
            keys += [
                .text(eventKey(action.eventId)), .text(setKey("u:\(action.userId)", keywords: keywords)),
                .text(setKey("s:\(action.sessionId)", keywords: keywords)),
            ]
            arguments += [.int(action.timestampMs), .bytes(member)]
            positions.append(position)
        }
        guard !positions.isEmpty else { return outcomes }
        let reply: RESPValue
        do {
            reply = try await Self.storeScript.run([(keys: keys, arguments: arguments)], on: redis)[0]
        } catch {
            throw RPCError(code: .unavailable, message: "history store: \(error)")
        }
        guard let results = reply.array, results.count == positions.count else {
            if case .error(let message) = reply { throw RPCError(code: .unavailable, message: "history store: redis: \(message)") }
            throw RPCError(code: .internal, message: "history store: unexpected reply \(reply)")
        }
        for (position, result) in zip(positions, results) {
            outcomes[position] = result == .integer(0) ? .duplicate : .stored
        }
        return outcomes
    }

    public func actions(ofUser userId: String, _ query: HistoryQuery) async throws -> [RecordedAction] {
        try await read(scope: "u:\(userId)", query)
    }

    public func actions(ofSession sessionId: String, _ query: HistoryQuery) async throws -> [RecordedAction] {
        try await read(scope: "s:\(sessionId)", query)
    }

    /// The key of the event-id claim (exposed for tests and tools that count what is stored).
    public func eventKey(_ eventId: String) -> String { "\(keyPrefix)e:\(eventId)" }

    /// The sorted set of a user's keyword searches (`keywords`) or shop actions.
    public func userKey(_ userId: String, keywords: Bool) -> String { setKey("u:\(userId)", keywords: keywords) }

    private func setKey(_ scope: String, keywords: Bool) -> String {
        "\(keyPrefix)h:\(scope):\(keywords ? "k" : "s")"
    }

    private func read(scope: String, _ query: HistoryQuery) async throws -> [RecordedAction] {
        let since = max(query.sinceMs, clock() - retentionMs)
        var commands: [RedisCommand] = []
        for (wanted, keywords) in [(query.keywords, true), (query.shops, false)] {
            guard let wanted else { continue }
            var command: RedisCommand = ["ZREVRANGEBYSCORE", .text(setKey(scope, keywords: keywords)), "+inf", .int(since)]
            if wanted > 0 { command.arguments += ["LIMIT", 0, .int(Int64(wanted))] }
            commands.append(command)
        }
        guard !commands.isEmpty else { return [] }
        var actions: [RecordedAction] = []
        for reply in try await run(commands) {
            guard let members = reply.array else {
                throw RPCError(code: .unavailable, message: "history store: redis: \(reply)")
            }
            for member in members {
                guard let bytes = member.bytes, let stored = StoredAction(bytes: bytes) else { continue }
                actions.append(stored.action)
            }
        }
        // Newest first across both kinds, as the embedded store answers.
        actions.sort { $0.timestampMs > $1.timestampMs }
        return actions
    }

    private func run(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        do {
            return try await redis.pipeline(commands)
        } catch {
            throw RPCError(code: .unavailable, message: "history store: \(error)")
        }
    }
}
