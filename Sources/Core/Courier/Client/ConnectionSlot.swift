import CourierHTTP2
import NIOConcurrencyHelpers
import NIOCore

/// One connection a channel keeps to one address (a subchannel): connects on first use,
/// reconnects after GOAWAY or close.
///
/// A call waits for the connection no longer than its own deadline (the attempt carries on for
/// the calls after it, bounded by `connectTimeout`). An attempt that fails puts the slot in
/// backoff (`ConnectionBackoff`): until it ends, calls fail at once with UNAVAILABLE and the
/// last error instead of each dialling the dead address again.
final class ConnectionSlot: Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<ClientConnection>)
        case ready(ClientConnection)
        /// The last attempt failed; no new one before `until`.
        case backingOff(until: NIODeadline, error: RPCError)
        case closed
    }

    private struct Guarded {
        var state = State.idle
        /// Failed attempts in a row (reset by a connection that succeeds).
        var failures = 0
    }

    private let guarded = NIOLockedValueBox(Guarded())
    let address: SubchannelAddress
    /// Every connection of this slot lives on this loop, so tasks can prefer its thread.
    let eventLoop: any EventLoop
    let executor: EventLoopTaskExecutor
    let configuration: ChannelConfiguration

    init(address: SubchannelAddress, group: any EventLoopGroup, configuration: ChannelConfiguration) {
        self.address = address
        self.eventLoop = group.next()
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.configuration = configuration
    }

    /// A usable connection, connecting if there is none; waits at most until `deadline`
    /// (DEADLINE_EXCEEDED), and fails at once with UNAVAILABLE while the address is in backoff.
    func connection(deadline: NIODeadline? = nil) async throws -> ClientConnection {
        enum Next { case ready(ClientConnection), wait(EventLoopFuture<ClientConnection>) }
        let next: Next = try guarded.withLockedValue { guarded in
            switch guarded.state {
            case .ready(let connection) where connection.isUsable:
                return .ready(connection)
            case .connecting(let future):
                return .wait(future)
            case .closed:
                throw RPCError(code: .unavailable, message: "the channel is closed")
            case .backingOff(let until, let error) where NIODeadline.now() < until:
                let left = (until - .now()).nanoseconds / 1_000_000
                throw RPCError(code: .unavailable, message: "\(error.message) (next attempt in \(left) ms)")
            case .idle, .ready, .backingOff:
                let promise = eventLoop.makePromise(of: ClientConnection.self)
                promise.completeWithTask { try await self.connect() }
                guarded.state = .connecting(promise.futureResult)
                return .wait(promise.futureResult)
            }
        }
        switch next {
        case .ready(let connection): return connection
        case .wait(let future): return try await Self.value(of: future, before: deadline, address: address.description)
        }
    }

    /// Whether load balancing may pick it: not closed, not backing off.
    var isAvailable: Bool {
        guarded.withLockedValue { guarded in
            switch guarded.state {
            case .closed: false
            case .backingOff(let until, _): NIODeadline.now() >= until
            case .idle, .connecting, .ready: true
            }
        }
    }

    /// The future's value, or DEADLINE_EXCEEDED at `deadline`, whichever comes first.
    private static func value(of future: EventLoopFuture<ClientConnection>, before deadline: NIODeadline?, address: String) async throws -> ClientConnection {
        guard let deadline else { return try await future.get() }
        return try await withCheckedThrowingContinuation { continuation in
            let resumed = NIOLockedValueBox(false)
            let resume: @Sendable (Result<ClientConnection, any Error>) -> Void = { result in
                guard resumed.withLockedValue({ done in defer { done = true }; return !done }) else { return }
                continuation.resume(with: result)
            }
            let timer = future.eventLoop.scheduleTask(deadline: deadline) {
                resume(.failure(RPCError(code: .deadlineExceeded, message: "the deadline passed while connecting to \(address)")))
            }
            future.whenComplete { result in
                timer.cancel()
                resume(result)
            }
        }
    }

    private func connect() async throws -> ClientConnection {
        let channel: any Channel
        let handler: NIOLoopBound<HTTP2Connection>
        let host: String, port: Int, path: String?
        switch address {
        case .host(let name, let number): (host, port, path) = (name, number, nil)
        case .unix(let socket): (host, port, path) = ("localhost", 0, socket)
        }
        do {
            (channel, handler) = try await HTTP2ClientConnector.connect(
                host: host, port: port, group: eventLoop, configuration: configuration.http2,
                connectTimeout: configuration.connectTimeout, security: configuration.security, unixDomainSocketPath: path)
        } catch {
            let failure = RPCError(code: .unavailable, message: "cannot connect to \(address): \(error)")
            guarded.withLockedValue { guarded in
                guard case .connecting = guarded.state else { return }
                guarded.failures += 1
                var random = SystemRandomNumberGenerator()
                let wait = configuration.backoff.wait(afterFailures: guarded.failures, using: &random)
                guarded.state = .backingOff(until: .now() + wait.timeAmount, error: failure)
            }
            throw failure
        }
        let security = configuration.security
        let authority = security?.serverNameOverride.map { path == nil ? "\($0):\(port)" : $0 } ?? address.authority
        let connection = ClientConnection(channel: channel, handler: handler, authority: authority, scheme: security?.scheme ?? "http")
        try await channel.eventLoop.submit {
            let handler = connection.handler.value
            // The connection by serial number, the slot weakly: the connection owns its handler,
            // which owns these callbacks, and a weak reference to the connection itself would move
            // its reference count to a side table, putting every call's retains on the slow path.
            let serial = connection.serial
            handler.onGoAway = { [weak self] _, _ in self?.retire(serial) }
            // If the server has hung up already, this runs at once (and the slot takes a dead
            // connection, which `isUsable` reports as such).
            handler.onClose = { [weak self] in self?.retire(serial) }
        }.get()
        let closed = guarded.withLockedValue { guarded -> Bool in
            if case .closed = guarded.state { return true }
            guarded.state = .ready(connection)
            guarded.failures = 0
            return false
        }
        if closed {
            try? await channel.close()
            throw RPCError(code: .unavailable, message: "the channel is closed")
        }
        return connection
    }

    /// The connection `serial` received GOAWAY or closed: new calls go to a new one.
    private func retire(_ serial: UInt64) {
        let retired = guarded.withLockedValue { guarded -> ClientConnection? in
            guard case .ready(let current) = guarded.state, current.serial == serial else { return nil }
            guarded.state = .idle
            return current
        }
        retired?.markUnusable()
        // A connection that has been told GOAWAY closes itself once its streams finish.
    }

    func close() async {
        let current = guarded.withLockedValue { guarded -> ClientConnection? in
            defer { guarded.state = .closed }
            if case .ready(let connection) = guarded.state { return connection }
            return nil
        }
        if let current { await current.close() }
    }
}
