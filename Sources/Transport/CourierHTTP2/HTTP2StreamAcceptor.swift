/// Takes the streams peers open on a server connection (the gRPC server implements it).
public protocol HTTP2StreamAcceptor: AnyObject, Sendable {
    /// Called on the connection's event loop: set `stream.delegate`.
    func accept(_ stream: HTTP2Stream, on connection: HTTP2Connection)
}
