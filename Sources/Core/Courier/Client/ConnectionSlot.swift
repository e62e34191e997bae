import CourierHTTP2
import NIOConcurrencyHelpers
import NIOCore

/// One connection a channel keeps: connects on first use, reconnects after GOAWAY or close.
final class ConnectionSlot: Sendable {
    private enum State {
        case idle
        case connecting(Task<ClientConnection, any Error>)
        case ready(ClientConnection)
        case closed
    }

    private let state = NIOLockedValueBox(State.idle)
    let host: String
    let port: Int
    /// Every connection of this slot lives on this loop, so tasks can prefer its thread.
    let eventLoop: any EventLoop
    let executor: EventLoopTaskExecutor
    let configuration: ChannelConfiguration

    init(host: String, port: Int, group: any EventLoopGroup, configuration: ChannelConfiguration) {
        self.host = host
        self.port = port
        self.eventLoop = group.next()
        self.executor = EventLoopTaskExecutor(eventLoop)
        self.configuration = configuration
    }

    /// A usable connection, connecting if there is none.
    func connection() async throws -> ClientConnection {
        enum Next { case ready(ClientConnection), wait(Task<ClientConnection, any Error>) }
        let next: Next = try state.withLockedValue { state in
            switch state {
            case .ready(let connection) where connection.isUsable:
                return .ready(connection)
            case .connecting(let task):
                return .wait(task)
            case .closed:
                throw RPCError(code: .unavailable, message: "the channel is closed")
            case .idle, .ready:
                let task = Task { try await self.connect() }
                state = .connecting(task)
                return .wait(task)
            }
        }
        guard case .wait(let task) = next else {
            if case .ready(let connection) = next { return connection }
            fatalError("unreachable")
        }
        do {
            return try await task.value
        } catch {
            state.withLockedValue { state in
                if case .connecting = state { state = .idle }
            }
            throw error
        }
    }

    private func connect() async throws -> ClientConnection {
        let channel: any Channel
        let handler: NIOLoopBound<HTTP2Connection>
        do {
            (channel, handler) = try await HTTP2ClientConnector.connect(
                host: host, port: port, group: eventLoop, configuration: configuration.http2,
                connectTimeout: configuration.connectTimeout)
        } catch {
            throw RPCError(code: .unavailable, message: "cannot connect to \(host):\(port): \(error)")
        }
        let connection = ClientConnection(channel: channel, handler: handler, authority: "\(host):\(port)")
        try await channel.eventLoop.submit {
            let handler = connection.handler.value
            // Weak: the connection owns its handler, which owns these callbacks.
            handler.onGoAway = { [weak self, weak connection] _, _ in if let connection { self?.retire(connection) } }
            handler.onClose = { [weak self, weak connection] in if let connection { self?.retire(connection) } }
        }.get()
        let closed = state.withLockedValue { state -> Bool in
            if case .closed = state { return true }
            state = .ready(connection)
            return false
        }
        if closed {
            try? await channel.close()
            throw RPCError(code: .unavailable, message: "the channel is closed")
        }
        return connection
    }

    private func retire(_ connection: ClientConnection) {
        connection.markUnusable()
        state.withLockedValue { state in
            if case .ready(let current) = state, current === connection { state = .idle }
        }
        // A connection that has been told GOAWAY closes itself once its streams finish.
    }

    func close() async {
        let current = state.withLockedValue { state -> ClientConnection? in
            defer { state = .closed }
            if case .ready(let connection) = state { return connection }
            return nil
        }
        if let current { try? await current.channel.close() }
    }
}
