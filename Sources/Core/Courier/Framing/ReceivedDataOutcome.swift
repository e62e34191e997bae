/// What became of a DATA chunk a call's state machine was given (server and client alike).
enum ReceivedDataOutcome: Equatable {
    /// Not part of a live call (refused, ended, or not yet routed): give the bytes back.
    case ignored
    /// Taken; the messages of a streaming side went to `deliver`.
    case accepted
    /// The bytes broke a rule (too large, compressed without negotiation, a second message where
    /// one is allowed): end the call with this error.
    case failed(RPCError)
}
