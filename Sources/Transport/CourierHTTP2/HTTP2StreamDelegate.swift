/// Receives what arrives on one HTTP/2 stream. The gRPC layer implements it; the transport never
/// looks inside the bytes. All calls happen on the connection's event loop.
public protocol HTTP2StreamDelegate: AnyObject {
    /// A complete header block: request or response headers, or trailers when it ends the stream.
    func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool)
    /// A chunk of a DATA frame's payload. Call `stream.consume(_:)` once the bytes are dealt with,
    /// which reopens the flow-control window for the peer.
    func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer)
    /// The peer half-closed the stream with END_STREAM on a DATA frame.
    func streamReceivedEnd(_ stream: HTTP2Stream)
    /// The stream is gone: `errorCode` is `HTTP2ErrorCode.noError` after a normal end, else the
    /// RST_STREAM or connection error that ended it.
    func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32)
    /// Outbound bytes were taken by the session; writers waiting for room may continue.
    func streamOutboundDrained(_ stream: HTTP2Stream)
}
