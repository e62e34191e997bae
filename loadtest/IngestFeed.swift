import RecoProtos
import Synchronization

/// The actions bound for the run's one Ingest stream, from the event generator and the freshness
/// probes alike, counted as they are queued so the summary can account for every one of them
/// (accepted + duplicates + rejected + expired = sent).
struct IngestFeed: Sendable {
    let actions: AsyncStream<Reco_V1_UserAction>
    private let continuation: AsyncStream<Reco_V1_UserAction>.Continuation
    private let queued: Counter

    init() {
        (actions, continuation) = AsyncStream<Reco_V1_UserAction>.makeStream()
        queued = Counter()
    }

    func send(_ action: Reco_V1_UserAction) {
        if case .enqueued = continuation.yield(action) { queued.value.add(1, ordering: .relaxed) }
    }

    func finish() { continuation.finish() }

    /// Actions queued for the stream so far.
    var sent: Int { queued.value.load(ordering: .relaxed) }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}
