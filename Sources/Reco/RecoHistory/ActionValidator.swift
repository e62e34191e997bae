import RecoCore
import RecoProtos

/// Why an incoming action was refused: the field and what is wrong with it.
public struct ActionRejection: Error, Sendable, Equatable {
    public let field: String
    public let reason: String

    public var message: String { "\(field): \(reason)" }
}

/// Filters and transforms actions on the way in: refuses malformed ones, normalises keywords,
/// fills a missing timestamp with the server's clock.
public struct ActionValidator: Sendable {
    /// Longest accepted id or keyword, in UTF-8 bytes.
    public var maxTextBytes = 256
    /// How far in the future a client clock may be.
    public var allowedClockSkewMs: Int64 = 5 * 60 * 1000

    public init() {}

    public func validate(_ action: Reco_V1_UserAction, nowMs: Int64) throws(ActionRejection) -> RecordedAction {
        try requireText(action.eventId, field: "event_id")
        try requireText(action.userId, field: "user_id")
        try requireText(action.sessionId, field: "session_id")
        let target: RecordedAction.Target
        switch action.kind {
        case .keywordSearch:
            guard case .keyword(let raw) = action.target else {
                throw ActionRejection(field: "keyword", reason: "a keyword search needs a keyword")
            }
            let keyword = KeywordNormalizer.normalize(raw)
            try requireText(keyword, field: "keyword")
            target = .keyword(keyword)
        case .shopClick, .shopView, .addToCart, .order:
            guard case .shopId(let id) = action.target else {
                throw ActionRejection(field: "shop_id", reason: "a shop action needs a shop_id")
            }
            guard id > 0 else { throw ActionRejection(field: "shop_id", reason: "must be positive, got \(id)") }
            target = .shop(id)
        case .unspecified:
            throw ActionRejection(field: "kind", reason: "must be set")
        case .unrecognized(let value):
            throw ActionRejection(field: "kind", reason: "unknown kind \(value)")
        }
        let timestamp = action.timestampMs == 0 ? nowMs : action.timestampMs
        guard timestamp > 0 else { throw ActionRejection(field: "timestamp_ms", reason: "must be positive, got \(timestamp)") }
        guard timestamp <= nowMs + allowedClockSkewMs else {
            throw ActionRejection(field: "timestamp_ms", reason: "\(timestamp - nowMs) ms in the future")
        }
        return RecordedAction(
            eventId: action.eventId, userId: action.userId, sessionId: action.sessionId,
            kind: action.kind, target: target, timestampMs: timestamp)
    }

    private func requireText(_ text: String, field: String) throws(ActionRejection) {
        if text.isEmpty { throw ActionRejection(field: field, reason: "must not be empty") }
        if text.utf8.count > maxTextBytes {
            throw ActionRejection(field: field, reason: "longer than \(maxTextBytes) bytes")
        }
    }
}
