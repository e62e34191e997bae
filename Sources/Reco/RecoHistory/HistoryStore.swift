import RecoCore
/// What happened to one action handed to a store.
public enum AppendOutcome: Sendable, Equatable {
    case stored
    /// Its event id was seen within the retention window.
    case duplicate
    /// Older than the retention window: not stored.
    case expired
}

/// Where History keeps recent actions. The embedded store (`LoggedHistoryStore`) is the default;
/// the protocol is the seam for a shared backend such as Redis.
///
/// Every query answers newest first and never returns an action older than its `sinceMs`.
public protocol HistoryStore: Sendable {
    /// How long an action is kept, in milliseconds.
    var retentionMs: Int64 { get }
    /// Stores actions in order. Returns one outcome per action. Once it returns, the stored
    /// actions survive a crash of the process.
    func append(_ actions: [RecordedAction]) async throws -> [AppendOutcome]
    /// The user's actions (all sessions) that `query` asks for, newest first.
    func actions(ofUser userId: String, _ query: HistoryQuery) async throws -> [RecordedAction]
    /// The session's actions that `query` asks for, newest first.
    func actions(ofSession sessionId: String, _ query: HistoryQuery) async throws -> [RecordedAction]
}
