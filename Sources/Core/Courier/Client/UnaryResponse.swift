/// The single response of a unary or client-streaming call, with the metadata around it.
public struct UnaryResponse<Message: Sendable>: Sendable {
    public var message: Message
    public var initialMetadata: Metadata
    public var trailingMetadata: Metadata
}
