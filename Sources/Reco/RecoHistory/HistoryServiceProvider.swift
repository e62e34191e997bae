import RecoCore
import Courier
import RecoProtos
import Foundation
import Logging

/// `reco.v1.HistoryService`: validates and normalises incoming actions, drops duplicates, and
/// answers what a user or a session did within the window, newest first, each entry weighted.
public struct HistoryServiceProvider: Reco_V1_HistoryService.ServiceProtocol {
    public let store: any HistoryStore
    public var weights: ActionWeights
    public var validator = ActionValidator()
    /// How many rejections an Ingest summary lists (all are counted).
    public var maxListedRejections = 100
    /// Most Ingest messages that already arrived written to the store together.
    public var maxIngestBatch = 256
    private let clock: @Sendable () -> Int64

    public init(store: any HistoryStore, weights: ActionWeights = ActionWeights(),
                clock: @escaping @Sendable () -> Int64 = WallClock.milliseconds) {
        self.store = store
        self.weights = weights
        self.clock = clock
    }

    public func record(request: Reco_V1_UserAction, context: ServerContext) async throws -> Reco_V1_RecordResponse {
        let action: RecordedAction
        do {
            action = try validator.validate(request, nowMs: clock())
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message)
        }
        let outcome = try await store.append([action])[0]
        if outcome == .expired {
            throw RPCError(code: .invalidArgument, message: "timestamp_ms: older than the retention window (\(store.retentionMs / 1000) s)")
        }
        var response = Reco_V1_RecordResponse()
        response.duplicate = outcome == .duplicate
        if case .keyword(let keyword) = action.target { response.normalizedKeyword = keyword }
        return response
    }

    public func ingest(requests: RequestStream<Reco_V1_UserAction>, context: ServerContext) async throws -> Reco_V1_IngestSummary {
        var summary = Reco_V1_IngestSummary()
        var index: Int64 = 0
        var iterator = requests.makeAsyncIterator()
        // Each action is applied as soon as it arrives, so a Recommend can reflect it while the
        // stream is open; the ones that arrived meanwhile go to the store together (one write).
        while let first = try await iterator.next() {
            var batch: [RecordedAction] = []
            var message: Reco_V1_UserAction? = first
            while let current = message {
                defer { index += 1 }
                do {
                    batch.append(try validator.validate(current, nowMs: clock()))
                } catch {
                    summary.rejected += 1
                    if summary.rejections.count < maxListedRejections {
                        var rejection = Reco_V1_IngestRejection()
                        rejection.index = index
                        rejection.eventId = current.eventId
                        rejection.field = error.field
                        rejection.reason = error.reason
                        summary.rejections.append(rejection)
                    }
                }
                message = batch.count < maxIngestBatch ? try iterator.nextBuffered() : nil
            }
            guard !batch.isEmpty else { continue }
            for outcome in try await store.append(batch) {
                switch outcome {
                case .stored: summary.accepted += 1
                case .duplicate: summary.duplicates += 1
                case .expired: summary.expired += 1
                }
            }
        }
        return summary
    }

    public func userKeywords(request: Reco_V1_HistoryRequest, context: ServerContext) async throws -> Reco_V1_KeywordHistory {
        let query = HistoryQuery(sinceMs: try since(request), keywords: Int(request.limit), shops: nil)
        let actions = try await store.actions(ofUser: try requireId(request.userId, "user_id"), query)
        var response = Reco_V1_KeywordHistory()
        response.keywords = actions.compactMap(keywordEntry)
        return response
    }

    public func userShops(request: Reco_V1_HistoryRequest, context: ServerContext) async throws -> Reco_V1_ShopHistory {
        let query = HistoryQuery(sinceMs: try since(request), keywords: nil, shops: Int(request.limit))
        let actions = try await store.actions(ofUser: try requireId(request.userId, "user_id"), query)
        var response = Reco_V1_ShopHistory()
        response.shops = actions.compactMap(shopEntry)
        return response
    }

    public func sessionHistory(request: Reco_V1_HistoryRequest, context: ServerContext) async throws -> Reco_V1_SessionActivity {
        let query = HistoryQuery(sinceMs: try since(request), keywords: Int(request.limit), shops: Int(request.limit))
        return activity(try await store.actions(ofSession: try requireId(request.sessionId, "session_id"), query))
    }

    public func userActivity(request: Reco_V1_HistoryRequest, context: ServerContext) async throws -> Reco_V1_SessionActivity {
        let query = HistoryQuery(sinceMs: try since(request), keywords: Int(request.limit), shops: Int(request.limit))
        return activity(try await store.actions(ofUser: try requireId(request.userId, "user_id"), query))
    }

    // MARK: Answers

    private func since(_ request: Reco_V1_HistoryRequest) throws -> Int64 {
        guard request.windowSeconds >= 0 else {
            throw RPCError(code: .invalidArgument, message: "window_seconds: must not be negative")
        }
        guard request.limit >= 0 else { throw RPCError(code: .invalidArgument, message: "limit: must not be negative") }
        let windowMs = request.windowSeconds == 0 ? store.retentionMs : min(request.windowSeconds * 1000, store.retentionMs)
        return clock() - windowMs
    }

    private func requireId(_ id: String, _ field: String) throws -> String {
        guard !id.isEmpty else { throw RPCError(code: .invalidArgument, message: "\(field): must not be empty") }
        return id
    }

    private func activity(_ actions: [RecordedAction]) -> Reco_V1_SessionActivity {
        var response = Reco_V1_SessionActivity()
        response.keywords = actions.compactMap(keywordEntry)
        response.shops = actions.compactMap(shopEntry)
        return response
    }

    private func keywordEntry(_ action: RecordedAction) -> Reco_V1_KeywordEntry? {
        guard case .keyword(let keyword) = action.target else { return nil }
        var entry = Reco_V1_KeywordEntry()
        entry.keyword = keyword
        entry.timestampMs = action.timestampMs
        entry.weight = weights.weight(of: action.kind)
        entry.sessionId = action.sessionId
        entry.eventId = action.eventId
        return entry
    }

    private func shopEntry(_ action: RecordedAction) -> Reco_V1_ShopEntry? {
        guard case .shop(let shopId) = action.target else { return nil }
        var entry = Reco_V1_ShopEntry()
        entry.shopId = shopId
        entry.kind = action.kind
        entry.timestampMs = action.timestampMs
        entry.weight = weights.weight(of: action.kind)
        entry.sessionId = action.sessionId
        entry.eventId = action.eventId
        return entry
    }
}
