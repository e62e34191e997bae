import RecoProtos

/// An action as History keeps it: validated, keyword normalised, timestamp filled in.
public struct RecordedAction: Sendable, Equatable {
    public enum Target: Sendable, Equatable, Hashable {
        case shop(Int64)
        case keyword(String)
    }

    public var eventId: String
    public var userId: String
    public var sessionId: String
    public var kind: Reco_V1_ActionKind
    public var target: Target
    /// Milliseconds since the Unix epoch.
    public var timestampMs: Int64

    public init(eventId: String, userId: String, sessionId: String, kind: Reco_V1_ActionKind, target: Target, timestampMs: Int64) {
        self.eventId = eventId
        self.userId = userId
        self.sessionId = sessionId
        self.kind = kind
        self.target = target
        self.timestampMs = timestampMs
    }

    /// The wire form, as the action log stores it.
    public var message: Reco_V1_UserAction {
        var message = Reco_V1_UserAction()
        message.eventId = eventId
        message.userId = userId
        message.sessionId = sessionId
        message.kind = kind
        message.timestampMs = timestampMs
        switch target {
        case .shop(let id): message.target = .shopId(id)
        case .keyword(let keyword): message.target = .keyword(keyword)
        }
        return message
    }
}
