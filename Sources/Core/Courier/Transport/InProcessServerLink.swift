import CourierHTTP2
import NIOCore
import Synchronization

/// What an `InProcessTransport` reaches of its server, severed when the server shuts down. One
/// mechanism for two things: calls after the shutdown fail UNAVAILABLE, and a service that calls
/// its own server in-process (SearchHome in `reco serve`'s all-in-one mode) no longer keeps it
/// alive through the cycle server → service → transport → server.
final class InProcessServerLink: Sendable {
    private let target: Mutex<(core: ServerCore, acceptor: ServerAcceptor)?>

    init(core: ServerCore, acceptor: ServerAcceptor) {
        target = Mutex((core, acceptor))
    }

    /// The server's core and its per-loop executors, or nil once the server has shut down.
    var current: (core: ServerCore, acceptor: ServerAcceptor)? { target.withLock { $0 } }

    /// The server has shut down: new in-process calls are refused (calls in flight keep what they hold).
    func sever() { target.withLock { $0 = nil } }
}
