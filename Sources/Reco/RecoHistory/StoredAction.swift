import RecoCore
import RecoProtos
import Courier

/// An action as History keeps it outside memory — a record of the log, an entry of the bus, a
/// member of the shared store: its `reco.v1.UserAction` wire bytes, validated again when read back
/// (a record written by an older build, or damaged, is skipped rather than trusted).
struct StoredAction: Sendable {
    let action: RecordedAction
    let bytes: [UInt8]

    /// Encodes `action`.
    init(_ action: RecordedAction) throws(RPCError) {
        do {
            bytes = try action.message.serializedBytes()
        } catch {
            throw RPCError(code: .internal, message: "history: cannot encode the action: \(error)")
        }
        self.action = action
    }

    /// Decodes stored bytes; nil when they are not a valid action.
    init?(bytes: [UInt8]) {
        guard let message = try? Reco_V1_UserAction(serializedBytes: bytes), let action = Self.action(from: message) else { return nil }
        self.action = action
        self.bytes = bytes
    }

    /// A stored message as an action, validated as when it arrived (any timestamp accepted: the
    /// reader applies the window); nil when it is not a valid action.
    static func action(from message: Reco_V1_UserAction) -> RecordedAction? {
        try? ActionValidator().validate(message, nowMs: Int64.max / 2)
    }
}
