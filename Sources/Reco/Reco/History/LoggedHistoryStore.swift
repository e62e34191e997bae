import CourierProtos
import Foundation
import Logging
import Synchronization

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
        /// Most actions kept per user or session.
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

    private struct State: ~Copyable {
        var index: RecentActionIndex
        let log: ActionLog
        var closed = false
    }

    /// Opens (or creates) the log and replays it, dropping what has expired.
    public init(configuration: Configuration, logger: Logger = Logger(label: "reco.history"),
                clock: @escaping @Sendable () -> Int64 = WallClock.milliseconds) throws {
        self.configuration = configuration
        self.retentionMs = configuration.retentionMs
        self.clock = clock
        self.logger = logger
        let log = try ActionLog(path: configuration.logPath)
        var index = RecentActionIndex(capacityPerKey: configuration.capacityPerKey)
        let cutoff = clock() - configuration.retentionMs
        var replayed = 0
        let cut = try log.replay { message in
            replayed += 1
            guard let action = try? ActionValidator().validate(message, nowMs: Int64.max / 2) else { return }
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
        state.withLock { state in try? state.log.sync() }
    }

    deinit { maintenance.withLock { $0?.cancel() } }

    public func append(_ actions: [RecordedAction]) async throws -> [AppendOutcome] {
        let cutoff = clock() - retentionMs
        return try state.withLock { state in
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

    public func actions(ofUser userId: String, sinceMs: Int64, limit: Int) async throws -> [RecordedAction] {
        let since = max(sinceMs, clock() - retentionMs)
        return state.withLock { RecentActionIndex.newest($0.index.byUser[userId], sinceMs: since, limit: limit) }
    }

    public func actions(ofSession sessionId: String, sinceMs: Int64, limit: Int) async throws -> [RecordedAction] {
        let since = max(sinceMs, clock() - retentionMs)
        return state.withLock { RecentActionIndex.newest($0.index.bySession[sessionId], sinceMs: since, limit: limit) }
    }

    /// How many actions are live in memory.
    public var liveCount: Int { state.withLock { $0.index.count } }

    /// One round of upkeep: fsync if due; when `sweep`, drop expired actions and compact the log
    /// if it has grown well past what is live.
    public func maintain(sweep: Bool) {
        let cutoff = clock() - retentionMs
        state.withLock { state in
            do {
                if configuration.sync == .everySecond { try state.log.sync() }
                guard sweep else { return }
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
