/// The connection around an `HTTP2Session`: told of new peer streams and connection-level events.
/// All calls happen on the connection's event loop.
public protocol HTTP2SessionOwner: AnyObject {
    /// Server: the peer opened a stream; set its `delegate` before returning.
    func session(_ session: HTTP2Session, peerOpened stream: HTTP2Stream)
    /// The peer sent GOAWAY: streams above `lastStreamID` were not processed.
    func session(_ session: HTTP2Session, receivedGoAway lastStreamID: Int32, errorCode: UInt32)
    /// The peer acknowledged one of our PINGs.
    func sessionReceivedPingAck(_ session: HTTP2Session)
    /// Something was submitted outside a read: the owner should flush soon.
    func sessionNeedsFlush(_ session: HTTP2Session)
    /// The last open stream closed (the connection is idle).
    func sessionHasNoStreams(_ session: HTTP2Session)
}

extension HTTP2SessionOwner {
    /// Owners that do not time idleness ignore it.
    public func sessionHasNoStreams(_ session: HTTP2Session) {}
}

/// One frame as the session sent or received it, for protocol-level tracing.
public struct HTTP2FrameTrace: Sendable {
    /// Whether the frame was sent or received.
    public enum Direction: Sendable { case sent, received }
    /// Sent or received.
    public var direction: Direction
    /// The frame type (RFC 9113 §6: 0 DATA, 1 HEADERS, ...).
    public var type: UInt8
    /// The stream, or 0 for the connection.
    public var streamID: Int32
    /// The frame's flags (END_STREAM, ACK, ...).
    public var flags: UInt8
    /// The payload length.
    public var length: Int
    /// Decoded header fields of a HEADERS frame.
    public var headers: [HTTP2Header]
    /// GOAWAY / RST_STREAM error code, SETTINGS entries, WINDOW_UPDATE increment, PING data.
    public var detail: String
    /// A DATA frame's payload (without padding).
    public var payload: [UInt8] = []
}
