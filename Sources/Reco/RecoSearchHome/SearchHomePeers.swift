import RecoCore
import Courier
import RecoProtos
import Synchronization

/// The services SearchHome calls, set once their addresses are known. In `reco serve` (all in
/// one) they are the process's own port, known only after it binds; calls before that fail
/// UNAVAILABLE.
public final class SearchHomePeers: Sendable {
    public struct Clients: Sendable {
        public let history: Reco_V1_HistoryService.Client
        public let similarity: Reco_V1_SimilarityService.Client
        public let candidates: Reco_V1_CandidateService.Client

        public init(history: Reco_V1_HistoryService.Client, similarity: Reco_V1_SimilarityService.Client, candidates: Reco_V1_CandidateService.Client) {
            self.history = history
            self.similarity = similarity
            self.candidates = candidates
        }
    }

    private let clients: Mutex<Clients?>

    public init(_ clients: Clients? = nil) { self.clients = Mutex(clients) }

    public func connect(_ clients: Clients) { self.clients.withLock { $0 = clients } }

    func current() throws -> Clients {
        guard let clients = clients.withLock({ $0 }) else {
            throw RPCError(code: .unavailable, message: "SearchHome is not connected to its peers yet")
        }
        return clients
    }
}
