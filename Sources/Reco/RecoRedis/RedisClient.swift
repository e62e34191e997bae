import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A Redis client over one pipelined connection: any number of callers share it, each command
/// (or batch of commands, written at once) answered in order.
///
/// The connection is opened on first use. When it is lost, the next command reconnects; when
/// connecting fails, commands fail at once with `RedisError.unavailable` until the backoff
/// (doubling, capped) has passed, so callers learn of an outage in microseconds instead of each
/// waiting out a connect timeout. A command without a reply within its timeout closes the
/// connection (a stopped server), failing what was outstanding on it.
///
/// Blocking commands (`XREADGROUP … BLOCK`) hold the connection's line: give them a client of
/// their own.
public final class RedisClient: Sendable {
    /// Where and how patiently to connect.
    public struct Configuration: Sendable {
        /// The server's host name or address.
        public var host: String
        /// The server's port.
        public var port: Int
        /// How long a TCP connect may take.
        public var connectTimeout: TimeAmount = .seconds(1)
        /// How long a command may wait for its reply (a blocking command adds its own block time).
        public var commandTimeout: TimeAmount = .seconds(2)
        /// The wait after the first failed connect; doubles per failure up to `maxBackoff`.
        public var initialBackoff: TimeAmount = .milliseconds(50)
        /// The longest wait between connect attempts.
        public var maxBackoff: TimeAmount = .seconds(2)

        /// A server at `host:port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, as the `--redis` flags take it.
        public init(address: String) throws(RedisError) {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                  (1...65535).contains(port), colon != address.startIndex else {
                throw .unavailable("expected host:port, got \"\(address)\"")
            }
            self.init(host: String(address[..<colon]), port: port)
        }
    }

    private struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<RedisConnectionHandler>
    }

    private enum State {
        case idle(failures: Int, retryAt: NIODeadline?)
        case connecting(EventLoopFuture<Connection>, failures: Int)
        case connected(Connection)
        case closed
    }

    /// The server this client talks to.
    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State.idle(failures: 0, retryAt: nil))

    /// A client of the server in `configuration`; connects on first use.
    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    @discardableResult
    public func send(_ command: RedisCommand, timeout: TimeAmount? = nil) async throws(RedisError) -> RESPValue {
        let reply = try await pipeline([command], timeout: timeout)[0]
        if case .error(let message) = reply { throw .server(message) }
        return reply
    }

    /// Sends the commands in one write; their replies in order (error replies included as
    /// `.error`, one per failed command: the others still ran).
    public func pipeline(_ commands: [RedisCommand], timeout: TimeAmount? = nil) async throws(RedisError) -> [RESPValue] {
        let connection = try await connection()
        let loop = connection.channel.eventLoop
        let promise = loop.makePromise(of: [RESPValue].self)
        let deadline = NIODeadline.now() + (timeout ?? configuration.commandTimeout)
        loop.execute { connection.handler.value.send(commands, deadline: deadline, promise: promise) }
        do {
            return try await promise.futureResult.get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw .connectionLost("\(error)")
        }
    }

    /// Opens the connection now (commands do it anyway); throws if it cannot.
    public func connect() async throws(RedisError) { _ = try await connection() }

    /// Whether a connection is open right now.
    public var isConnected: Bool {
        state.withLockedValue { if case .connected = $0 { true } else { false } }
    }

    /// Closes the connection and refuses further commands.
    public func close() async {
        let connection: Connection? = state.withLockedValue { state in
            defer { state = .closed }
            if case .connected(let connection) = state { return connection }
            return nil
        }
        try? await connection?.channel.close()
    }

    private func connection() async throws(RedisError) -> Connection {
        let pick: Result<EventLoopFuture<Connection>, RedisError> = state.withLockedValue { state in
            switch state {
            case .connected(let connection):
                return .success(connection.channel.eventLoop.makeSucceededFuture(connection))
            case .connecting(let future, _):
                return .success(future)
            case .closed:
                return .failure(.unavailable("the client is closed"))
            case .idle(let failures, let retryAt):
                if let retryAt, retryAt > .now() {
                    let wait = (retryAt - .now()).nanoseconds / 1_000_000
                    return .failure(.unavailable("\(configuration.host):\(configuration.port) refused or did not answer \(failures) connect(s); next try in \(wait) ms"))
                }
                let future = openConnection()
                state = .connecting(future, failures: failures)
                future.whenComplete { [self] result in connectFinished(result) }
                return .success(future)
            }
        }
        let future = try pick.get()
        do {
            return try await future.get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw .unavailable("connect to \(configuration.host):\(configuration.port): \(error)")
        }
    }

    private func openConnection() -> EventLoopFuture<Connection> {
        let handlerBox = NIOLockedValueBox<NIOLoopBound<RedisConnectionHandler>?>(nil)
        // On the caller's event loop when it runs on one (a server handler): its commands then
        // leave and their replies arrive without a hop to another thread.
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        return ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RedisConnectionHandler()
                    try channel.pipeline.syncOperations.addHandler(handler)
                    handlerBox.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .flatMapThrowing { channel in
                guard let handler = handlerBox.withLockedValue({ $0 }) else { throw RedisError.unavailable("no handler") }
                return Connection(channel: channel, handler: handler)
            }
    }

    private func connectFinished(_ result: Result<Connection, any Error>) {
        let close: (any Channel)? = state.withLockedValue { state in
            guard case .connecting(_, let failures) = state else {
                // Closed meanwhile: do not keep the new connection.
                if case .success(let connection) = result { return connection.channel }
                return nil
            }
            switch result {
            case .success(let connection):
                state = .connected(connection)
                connection.channel.closeFuture.whenComplete { [self] _ in connectionClosed(connection.channel) }
            case .failure:
                let backoff = min(
                    configuration.maxBackoff.nanoseconds,
                    configuration.initialBackoff.nanoseconds << min(failures, 20))
                state = .idle(failures: failures + 1, retryAt: .now() + .nanoseconds(backoff))
            }
            return nil
        }
        close?.close(promise: nil)
    }

    private func connectionClosed(_ channel: any Channel) {
        state.withLockedValue { state in
            if case .connected(let connection) = state, connection.channel === channel {
                state = .idle(failures: 0, retryAt: nil)
            }
        }
    }
}
