import RecoCore
import RecoRedis
import Courier

/// Where the action bus lives in Redis and how its consumers read it.
public struct ActionStreamConfiguration: Sendable {
    /// The stream every History replica appends to.
    public var streamKey = "reco:actions"
    /// The consumer group every History replica reads through (each entry goes to one of them).
    public var group = "history"
    /// This replica's name in the group (unique per replica).
    public var consumerName: String
    /// `XADD … MAXLEN ~`: the stream is capped near this many entries. Consumers more than this far
    /// behind lose the oldest: size it to hours of ingestion.
    public var maxLength = 1_000_000
    /// Entries read (or claimed) per round.
    public var batchSize = 256
    /// How long one XREADGROUP waits for new entries.
    public var block: Duration = .seconds(1)
    /// Entries delivered to a consumer and not acknowledged for this long are claimed by another
    /// (the first consumer died, or lost its connection mid-batch).
    public var claimIdle: Duration = .seconds(5)
    /// How often a consumer looks for such entries.
    public var claimEvery: Duration = .seconds(1)

    /// Defaults for a replica named `consumerName`.
    public init(consumerName: String) { self.consumerName = consumerName }
}

/// The History store when actions go through the bus: `append` acknowledges an action once Redis
/// holds it in the stream (XADD), and the consumers (`ActionStreamConsumer`, in every History
/// replica) move it into the shared store. Reads go to the shared store.
///
/// An event id already in the shared store is answered as a duplicate; whether answered so or not,
/// the shared store drops it when it is consumed.
public final class StreamedHistoryStore: HistoryStore {
    /// The shared store the consumers fill and reads come from.
    public let shared: RedisHistoryStore
    /// The shared store's window.
    public var retentionMs: Int64 { shared.retentionMs }
    private let redis: RedisClient
    private let configuration: ActionStreamConfiguration
    private let clock: @Sendable () -> Int64

    /// Appends through `redis` to the stream in `configuration`; reads from `shared`.
    public init(redis: RedisClient, shared: RedisHistoryStore, configuration: ActionStreamConfiguration,
                clock: @escaping @Sendable () -> Int64 = WallClock.milliseconds) {
        self.redis = redis
        self.shared = shared
        self.configuration = configuration
        self.clock = clock
    }

    public func append(_ actions: [RecordedAction]) async throws -> [AppendOutcome] {
        let cutoff = clock() - retentionMs
        var outcomes = [AppendOutcome](repeating: .expired, count: actions.count)
        // Per action: EXISTS (is the event id already stored?) and XADD, pipelined, without a
        // script: a script costs Redis ~20 µs per call, the two commands ~3 µs. A duplicate that
        // is not yet stored (still in the stream), or is sent again anyway, is dropped when consumed.
        var commands: [RedisCommand] = []
        var positions: [Int] = []
        for (position, action) in actions.enumerated() where action.timestampMs >= cutoff {
            let bytes = try StoredAction(action).bytes
            commands.append(["EXISTS", .text(shared.eventKey(action.eventId))])
            commands.append([
                "XADD", .text(configuration.streamKey), "MAXLEN", "~", .int(Int64(configuration.maxLength)), "*", "a", .bytes(bytes),
            ])
            positions.append(position)
        }
        guard !commands.isEmpty else { return outcomes }
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(commands)
        } catch {
            throw RPCError(code: .unavailable, message: "history bus: \(error)")
        }
        for (index, position) in positions.enumerated() {
            let (exists, added) = (replies[2 * index], replies[2 * index + 1])
            guard case .bulkString = added else { throw RPCError(code: .unavailable, message: "history bus: XADD: \(added)") }
            outcomes[position] = exists == .integer(1) ? .duplicate : .stored
        }
        return outcomes
    }

    public func actions(ofUser userId: String, _ query: HistoryQuery) async throws -> [RecordedAction] {
        try await shared.actions(ofUser: userId, query)
    }

    public func actions(ofSession sessionId: String, _ query: HistoryQuery) async throws -> [RecordedAction] {
        try await shared.actions(ofSession: sessionId, query)
    }
}
