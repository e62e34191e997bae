import RecoCore
import RecoRedis
import Logging
import Synchronization

/// One History replica's reader of the action bus: reads new entries through the consumer group
/// (XREADGROUP), stores them in the shared store, and acknowledges them (XACK) only once the
/// store holds them, so an entry is never lost to a crash between the two: it stays pending and
/// is claimed (XAUTOCLAIM, after `claimIdle`) by a live replica. Delivery is at least once; the
/// shared store drops an event id it already holds, so the effect is exactly once.
///
/// An entry that cannot be decoded is acknowledged and counted, so it cannot block the group.
public final class ActionStreamConsumer: Sendable {
    /// What the consumer has done since it started.
    public struct Counts: Sendable, Equatable {
        /// Entries stored (new actions).
        public var stored = 0
        /// Entries whose event id was already stored.
        public var duplicates = 0
        /// Entries older than the window when consumed.
        public var expired = 0
        /// Entries that were not a readable action.
        public var unreadable = 0
        /// Entries taken over from another consumer that left them pending.
        public var claimed = 0
    }

    private let reader: RedisClient
    private let redis: RedisClient
    private let store: RedisHistoryStore
    private let configuration: ActionStreamConfiguration
    private let logger: Logger
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let countsBox: Mutex<Counts> = Mutex(Counts())
    private let failureLog = LogRateLimiter(interval: .seconds(5))
    private let metrics: RecoMetrics?

    /// Reads with `reader` (its own client: XREADGROUP blocks its connection), acknowledges with
    /// `redis`, stores into `store`.
    public init(reader: RedisClient, redis: RedisClient, store: RedisHistoryStore,
                configuration: ActionStreamConfiguration, logger: Logger = Logger(label: "reco.history.bus"),
                metrics: RecoMetrics? = nil) {
        self.metrics = metrics
        self.reader = reader
        self.redis = redis
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// What has been consumed so far.
    public var counts: Counts { countsBox.withLock { $0 } }

    /// Starts consuming in the background until `stop`.
    public func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await run() }
        }
    }

    /// Stops after the current round (what it read and did not acknowledge stays pending).
    public func stop() async {
        let running = task.withLock { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }

    private func run() async {
        var groupReady = false
        var lastClaim = ContinuousClock.now - configuration.claimEvery
        var failures = 0
        while !Task.isCancelled {
            do {
                if !groupReady {
                    try await createGroup()
                    groupReady = true
                }
                if ContinuousClock.now - lastClaim >= configuration.claimEvery {
                    try await claimAbandoned()
                    lastClaim = .now
                }
                try await readNew()
                failures = 0
            } catch {
                if case RedisError.server(let message) = error, message.hasPrefix("NOGROUP") { groupReady = false }
                failures += 1
                failureLog.attempt { suppressed in
                    logger.warning("history bus: consuming failed, retrying", metadata: [
                        "error": "\(error)", "suppressed": "\(suppressed)",
                    ])
                }
                // Back off while Redis is away: 50 ms doubling to 1 s.
                try? await Task.sleep(for: .milliseconds(min(1000, 50 << min(failures - 1, 5))))
            }
        }
    }

    /// The group reads from the stream's start when it is new, so nothing appended before the
    /// first replica started is skipped (duplicates are dropped anyway).
    private func createGroup() async throws {
        do {
            try await redis.send(["XGROUP", "CREATE", .text(configuration.streamKey), .text(configuration.group), "0", "MKSTREAM"])
        } catch RedisError.server(let message) where message.hasPrefix("BUSYGROUP") {}
    }

    private func readNew() async throws {
        let blockMs = Int64(configuration.block / .milliseconds(1))
        let reply = try await reader.send([
            "XREADGROUP", "GROUP", .text(configuration.group), .text(configuration.consumerName),
            "COUNT", .int(Int64(configuration.batchSize)), "BLOCK", .int(blockMs),
            "STREAMS", .text(configuration.streamKey), ">",
        ], timeout: .milliseconds(blockMs + 2000))
        // [[stream, [[id, [field, value, …]], …]]], or null when nothing arrived within the block.
        guard let streams = reply.array, let stream = streams.first?.array, stream.count == 2,
              let entries = stream[1].array else { return }
        try await consume(entries, claimed: false)
    }

    private func claimAbandoned() async throws {
        let idleMs = Int64(configuration.claimIdle / .milliseconds(1))
        var cursor = "0-0"
        // Bounded: a backlog is taken over a batch per round per call, interleaved with new entries.
        for _ in 0..<8 {
            let reply = try await redis.send([
                "XAUTOCLAIM", .text(configuration.streamKey), .text(configuration.group), .text(configuration.consumerName),
                .int(idleMs), .text(cursor), "COUNT", .int(Int64(configuration.batchSize)),
            ])
            guard let parts = reply.array, parts.count >= 2, let next = parts[0].string, let entries = parts[1].array else {
                throw RedisError.protocolViolation("unexpected XAUTOCLAIM reply \(reply)")
            }
            if !entries.isEmpty {
                logger.info("history bus: claimed entries left pending by another consumer", metadata: ["count": "\(entries.count)"])
                try await consume(entries, claimed: true)
            }
            cursor = next
            if cursor == "0-0" { return }
        }
    }

    /// Stores the entries' actions, then acknowledges every entry.
    private func consume(_ entries: [RESPValue], claimed: Bool) async throws {
        var ids: [RedisArgument] = []
        var actions: [StoredAction] = []
        var unreadable = 0
        for entry in entries {
            guard let parts = entry.array, parts.count == 2, let id = parts[0].bytes else { continue }
            ids.append(.bytes(id))
            guard let fields = parts[1].array, let action = Self.action(in: fields) else {
                unreadable += 1
                continue
            }
            actions.append(action)
        }
        guard !ids.isEmpty else { return }
        let outcomes = try await store.append(stored: actions)
        try await redis.send(RedisCommand(["XACK", .text(configuration.streamKey), .text(configuration.group)] + ids))
        var round = Counts()
        for outcome in outcomes {
            switch outcome {
            case .stored: round.stored += 1
            case .duplicate: round.duplicates += 1
            case .expired: round.expired += 1
            }
        }
        round.unreadable = unreadable
        countsBox.withLock { counts in
            counts.stored += round.stored
            counts.duplicates += round.duplicates
            counts.expired += round.expired
            counts.unreadable += round.unreadable
            if claimed { counts.claimed += ids.count }
        }
        if let metrics {
            for (outcome, count) in [("stored", round.stored), ("duplicate", round.duplicates), ("expired", round.expired), ("unreadable", round.unreadable)] {
                metrics.recordBusEntries(count, outcome: outcome, claimed: claimed)
            }
        }
        if unreadable > 0 {
            logger.error("history bus: acknowledged entries that are not actions", metadata: ["count": "\(unreadable)"])
        }
    }

    /// The action in an entry's field `a`, with the bytes it came in.
    private static func action(in fields: [RESPValue]) -> StoredAction? {
        var index = 0
        while index + 1 < fields.count {
            if fields[index].string == "a", let bytes = fields[index + 1].bytes { return StoredAction(bytes: bytes) }
            index += 2
        }
        return nil
    }
}
