/// The single response of a unary or client-streaming call, with the metadata around it.
public struct UnaryResponse<Message: Sendable>: Sendable {
    /// The response message.
    public var message: Message
    /// Metadata from the response headers.
    public var initialMetadata: Metadata
    /// Metadata from the trailers.
    public var trailingMetadata: Metadata
    /// Whether the server sent the message compressed (it has been decompressed since).
    public var messageWasCompressed = false
}
