import CourierHTTP2
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// What every connection of a server shares.
final class ServerCore: Sendable {
    let router: Router
    let configuration: ServerConfiguration
    let interceptors: [any ServerInterceptor]
    /// Told of every handler's end (metrics), on the fast path too.
    let observers: [any ServerCallObserver]
    let allocator = ByteBufferAllocator()
    /// How handlers' responses are framed.
    let framing: ResponseFraming
    /// Overload protection, shared by every connection; nil when turned off.
    let admission: AdmissionControl?
    /// Response bytes held for peers that have not read them, across all connections.
    let outboundBudget: OutboundByteBudget

    init(router: Router, configuration: ServerConfiguration, interceptors: [any ServerInterceptor], observers: [any ServerCallObserver]) {
        self.router = router
        self.configuration = configuration
        self.interceptors = interceptors
        self.observers = observers
        self.framing = ResponseFraming(allocator: allocator, maxSize: configuration.maxSendMessageSize)
        self.admission = configuration.concurrencyLimit.map { AdmissionControl(limit: $0) }
        self.outboundBudget = OutboundByteBudget(limit: configuration.maxBufferedResponseBytes)
    }
}

extension ServerCore {
    /// Runs `handler` for `call` in a new task, inside the interceptors; the call finishes with
    /// the handler's status. Immediate: the handler runs now, on the caller's thread, until it
    /// first suspends, so a handler that answers at once answers within the read (or the
    /// in-process call) that brought its request; after a suspension it resumes on `executor`.
    func startHandler(_ handler: MethodHandler, call: ServerCall, executor: (any TaskExecutor)?) -> Task<Void, Never> {
        let interceptors = self.interceptors
        return Task.immediate(executorPreference: executor) {
            var status: RPCError?
            do {
                if interceptors.isEmpty {
                    try await handler.invoke(call)
                } else {
                    try await interceptors.run(context: call.context) { _ in try await handler.invoke(call) }
                }
            } catch {
                status = RPCError(reporting: error)
            }
            call.finish(status)
        }
    }

    /// Tells the observers that `context`'s handler ended (when they were watching it start).
    func observe(_ context: ServerContext, status: RPCError?, startedAt start: ContinuousClock.Instant?) {
        guard let start else { return }
        let duration = ContinuousClock.now - start
        for observer in observers { observer.callEnded(context: context, status: status?.code ?? .ok, duration: duration) }
    }
}

extension ServerContext {
    /// The trailers' metadata: what the handler set, then what its error carries.
    func trailingMetadata(with error: RPCError?) -> Metadata {
        var metadata = trailingMetadata
        if let error { for (key, value) in error.metadata { metadata.append(key, value) } }
        return metadata
    }
}

/// A gRPC server: serves `CourierService`s over HTTP/2 on nghttp2.
///
/// ```swift
/// let server = Server(services: [MyService()])
/// let port = try await server.start(host: "127.0.0.1", port: 50051)
/// ...
/// await server.shutdownGracefully()
/// ```
public final class Server: Sendable {
    let core: ServerCore
    private let group: MultiThreadedEventLoopGroup
    private let acceptor: ServerAcceptor
    private let transport: HTTP2Server
    /// What in-process transports reach; severed once the server has shut down (after a graceful
    /// shutdown's calls in flight finished — a call in flight may still be making in-process
    /// calls — or at once by `close`).
    let inProcessLink: InProcessServerLink
    /// Set by the first shutdown or close: the next returns at once (shutting an event loop group
    /// down twice never completes).
    private let stopped = Atomic(false)

    /// A server for `services`; call `start` to listen. Interceptors wrap every call, the first
    /// outermost; observers are told of every handler's end (see `ServerCallObserver`).
    public init(services: [any CourierService], configuration: ServerConfiguration = ServerConfiguration(),
                interceptors: [any ServerInterceptor] = [], observers: [any ServerCallObserver] = []) {
        self.core = ServerCore(
            router: Router(services: services), configuration: configuration, interceptors: interceptors, observers: observers)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        self.acceptor = ServerAcceptor(core: core, group: group)
        self.transport = HTTP2Server(group: group, configuration: configuration.http2, acceptor: acceptor, security: configuration.security)
        self.inProcessLink = InProcessServerLink(core: core, acceptor: acceptor)
    }

    /// The server's event loops: give them to a `GRPCChannel` so calls a handler makes leave from
    /// the thread the handler runs on.
    public var eventLoopGroup: any EventLoopGroup { group }

    /// The services this server answers, as registered.
    public var services: [ServiceDescriptor] { core.router.services }

    /// Binds and starts serving; returns the bound port (pass 0 for any free port).
    @discardableResult
    public func start(host: String = "127.0.0.1", port: Int) async throws -> Int {
        try await transport.start(host: host, port: port).port ?? port
    }

    /// Binds a Unix domain socket at `path` (it must not exist) and starts serving on it;
    /// channels reach it as `unix://` + path.
    public func start(unixDomainSocketPath path: String) async throws {
        _ = try await transport.start(unixDomainSocketPath: path)
    }

    /// Starts serving, runs `body` with the bound port, and closes the server afterwards, whether
    /// `body` returns or throws (for tests and tools that serve for one piece of work).
    public func serving<R>(host: String = "127.0.0.1", port: Int = 0, _ body: (Int) async throws -> R) async throws -> R {
        let bound = try await start(host: host, port: port)
        return try await closingAfter({ try await body(bound) }, close: close)
    }

    /// Stops taking connections and calls; in-flight calls finish (within the HTTP/2 grace time).
    public func shutdownGracefully() async {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await transport.shutdownGracefully()
        inProcessLink.sever()
        try? await group.shutdownGracefully()
    }

    /// Closes everything at once.
    public func close() async {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        inProcessLink.sever()
        await transport.close()
        try? await group.shutdownGracefully()
    }
}

/// Gives each new stream a `ServerStreamHandler`; one task executor and one set of call deadlines
/// per event loop, made once for every loop of the server's group (a lookup per stream, no lock).
final class ServerAcceptor: HTTP2StreamAcceptor {
    let core: ServerCore
    private let perLoop: [ObjectIdentifier: (EventLoopTaskExecutor, NIOLoopBoundBox<CallDeadlines>)]

    init(core: ServerCore, group: MultiThreadedEventLoopGroup) {
        self.core = core
        var perLoop: [ObjectIdentifier: (EventLoopTaskExecutor, NIOLoopBoundBox<CallDeadlines>)] = [:]
        for loop in group.makeIterator() {
            // Made here, off the loop; used only on it.
            perLoop[ObjectIdentifier(loop)] = (
                EventLoopTaskExecutor(loop), NIOLoopBoundBox.makeBoxSendingValue(CallDeadlines(eventLoop: loop), eventLoop: loop))
        }
        self.perLoop = perLoop
    }

    /// The task executor of `loop`, one of the server's loops.
    func executor(for loop: any EventLoop) -> EventLoopTaskExecutor? {
        perLoop[ObjectIdentifier(loop)]?.0
    }

    func accept(_ stream: HTTP2Stream, on connection: HTTP2Connection) {
        let loop = connection.eventLoop
        guard let (executor, deadlines) = perLoop[ObjectIdentifier(loop)] else {
            preconditionFailure("a connection on an event loop outside the server's group")
        }
        if stream.session.sharedOutboundBudget == nil { stream.session.sharedOutboundBudget = core.outboundBudget }
        stream.delegate = ServerStreamHandler(
            stream: stream, eventLoop: loop, core: core, executor: executor, deadlines: deadlines.value,
            remoteAddress: connection.remoteAddress)
    }
}
