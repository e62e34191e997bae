import RecoCore
import Courier
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The embedded History store: recent actions in memory, every stored action in an append-only
/// log replayed on start. The TTL applies to both: expired actions stop being returned at once,
/// are swept from memory periodically and are left out when the log is compacted (on start when
/// it holds any, and when the log has grown to several times what is live).
public final class LoggedHistoryStore: HistoryStore {
    public struct Configuration: Sendable {
        /// Where the log lives.
        public var logPath: String
        /// How long actions are kept (the TTL), milliseconds.
        public var retentionMs: Int64 = 3_600_000
        public var sync: HistorySyncPolicy = .everySecond
        /// Most actions kept per user or session (`reco serve --history-max-per-user`). Beyond it
        /// the oldest are dropped: counted (`droppedOverCapacity`, the metric
        /// `reco_history_actions_dropped_total`) and logged at warning.
        public var capacityPerKey = 1000
        /// Compact when the log is this many times larger than what it would be with only live actions.
        public var compactionRatio = 4

        public init(logPath: String) { self.logPath = logPath }
    }

    public let retentionMs: Int64
    private let state: Mutex<State>
    private let configuration: Configuration
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let maintenance: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let metrics: RecoMetrics?
    /// Drops already logged, so each warning says how many are new.
    private let reportedDrops = Atomic<Int>(0)

    private struct State: ~Copyable {
        var index: RecentActionIndex
        let log: ActionLog
        var closed = false
    }

    /// Opens (or creates) the log and replays it, dropping what has expired.
    public init(configuration: Configuration, logger: Logger = Logger(label: "reco.history"),
                metrics: RecoMetrics? = nil, clock: @escaping @Sendable () -> Int64 = WallClock.milliseconds) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.retentionMs = configuration.retentionMs
        self.clock = clock
        self.logger = logger
        let log = try ActionLog(path: configuration.logPath)
        var index = RecentActionIndex(capacityPerKey: configuration.capacityPerKey)
        let cutoff = clock() - configuration.retentionMs
        var replayed = 0
        let cut = try log.replay { message in
            replayed += 1
            guard let action = StoredAction.action(from: message) else { return }
            _ = index.insert(action, cutoffMs: cutoff)
        }
        // Compact now only when the log holds records that are no longer live (expired, duplicate,
        // unreadable): a log that is all live is left as it is, not rewritten on every start.
        if index.count < replayed { try log.rewrite(with: index.liveActions) }
        logger.info("history log replayed", metadata: [
            "path": "\(configuration.logPath)", "records": "\(replayed)", "live": "\(index.count)",
            "torn_tail_bytes": "\(cut)",
        ])
        state = Mutex(State(index: index, log: log))
        reportDrops()
    }

    /// Starts the background work: fsync once a second (if so configured) and the TTL sweep.
    public func startMaintenance(every interval: Duration = .seconds(1)) {
        let task = Task { [weak self] in
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                ticks += 1
                self.maintain(sweep: ticks % 10 == 0)
            }
        }
        maintenance.withLock { $0 = task }
    }

    public func stopMaintenance() {
        maintenance.withLock { $0?.cancel(); $0 = nil }
        state.withLock { state in if !state.closed { try? state.log.sync() } }
    }

    deinit { maintenance.withLock { $0?.cancel() } }

    /// Stops upkeep, syncs and closes the log and releases the data directory's lock (another
    /// History may open it now). Calls after this fail UNAVAILABLE.
    public func close() throws {
        maintenance.withLock { $0?.cancel(); $0 = nil }
        try state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            try state.log.closeFile()
        }
    }

    public func append(_ actions: [RecordedAction]) async throws -> [AppendOutcome] {
        let cutoff = clock() - retentionMs
        return try state.withLock { state in
            guard !state.closed else { throw RPCError(code: .unavailable, message: "the History store is closed") }
            var outcomes: [AppendOutcome] = []
            outcomes.reserveCapacity(actions.count)
            var stored: [RecordedAction] = []
            for action in actions {
                let outcome = state.index.insert(action, cutoffMs: cutoff)
                outcomes.append(outcome)
                if outcome == .stored { stored.append(action) }
            }
            if !stored.isEmpty {
                try state.log.append(stored)
                if configuration.sync == .always { try state.log.sync() }
            }
            return outcomes
        }
    }

    public func actions(ofUser userId: String, _ query: HistoryQuery) async throws -> [RecordedAction] {
        let query = clampedToRetention(query)
        return state.withLock { query.newest(of: $0.index.byUser[userId] ?? []) }
    }

    public func actions(ofSession sessionId: String, _ query: HistoryQuery) async throws -> [RecordedAction] {
        let query = clampedToRetention(query)
        return state.withLock { query.newest(of: $0.index.bySession[sessionId] ?? []) }
    }

    private func clampedToRetention(_ query: HistoryQuery) -> HistoryQuery {
        var query = query
        query.sinceMs = max(query.sinceMs, clock() - retentionMs)
        return query
    }

    /// Actions the per-user cap has pushed out since the store opened (replay included).
    public var droppedOverCapacity: Int { state.withLock { $0.index.droppedOverCapacity } }

    /// Counts and logs drops not yet reported; from maintenance, so a burst logs once a second.
    private func reportDrops() {
        let dropped = droppedOverCapacity
        let new = dropped - reportedDrops.exchange(dropped, ordering: .relaxed)
        guard new > 0 else { return }
        metrics?.recordHistoryDropped(new, reason: "user_capacity")
        logger.warning("history dropped the oldest actions of users over the per-user cap", metadata: [
            "dropped": "\(new)", "dropped_total": "\(dropped)", "cap": "\(configuration.capacityPerKey)",
        ])
    }

    /// How many actions are live in memory.
    public var liveCount: Int { state.withLock { $0.index.count } }

    /// One round of upkeep: fsync if due; when `sweep`, drop expired actions and compact the log
    /// if it has grown well past what is live.
    public func maintain(sweep: Bool) {
        reportDrops()
        let cutoff = clock() - retentionMs
        if configuration.sync == .everySecond, let descriptor = state.withLock({ $0.closed ? nil : $0.log.detachSync() }) {
            // Outside the lock: appends and reads go on while the disk catches up.
            if fsync(descriptor) != 0 {
                let error = ActionLog.systemError("fsync", configuration.logPath)
                state.withLock { $0.log.syncFailed() }
                logger.error("history log upkeep failed", metadata: ["error": "\(error)"])
            }
            Glibc.close(descriptor)
        }
        guard sweep else { return }
        state.withLock { state in
            guard !state.closed else { return }
            do {
                state.index.expire(before: cutoff)
                let liveEstimate = max(state.index.count * 64, 1 << 16)
                if state.log.bytesWritten > liveEstimate * configuration.compactionRatio {
                    let live = state.index.liveActions
                    try state.log.rewrite(with: live)
                    logger.info("history log compacted", metadata: ["live": "\(live.count)", "bytes": "\(state.log.bytesWritten)"])
                }
            } catch {
                logger.error("history log upkeep failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
