import Courier
import CourierProtos
import NIOConcurrencyHelpers
import NIOPosix
import Testing

/// `MethodHandler.immediateUnary`: a unary handler that answers on the connection's event loop,
/// without a Swift task. It must behave exactly as a `unary` handler does for the client: the
/// answer, the metadata it sets, the statuses it throws, undecodable requests, interceptors.
@Suite("Unary handlers that answer without suspending")
struct ImmediateHandlerTests {
    /// Where and how the handler ran, per call.
    struct Sighting: Sendable {
        var inTask: Bool
        var onEventLoop: Bool
    }

    /// BenchmarkService with UnaryCall answered immediately; `fill_username` makes it throw
    /// PERMISSION_DENIED with trailing metadata, `response_size` > 0 echoes it in the username.
    final class ImmediateProbe: CourierService, Sendable {
        let sightings = NIOLockedValueBox<[Sighting]>([])

        var serviceDescriptor: ServiceDescriptor { Grpc_Testing_BenchmarkService.descriptor }

        var methodHandlers: [MethodHandler] {
            [
                .immediateUnary(Grpc_Testing_BenchmarkService.Method.unaryCall) { (request: Grpc_Testing_SimpleRequest, context) in
                    let sighting = Sighting(
                        inTask: withUnsafeCurrentTask { $0 != nil }, onEventLoop: MultiThreadedEventLoopGroup.currentEventLoop != nil)
                    self.sightings.withLockedValue { $0.append(sighting) }
                    context.initialMetadata.add("x-initial", "set by the handler")
                    context.trailingMetadata.add("x-trailing", "also set by the handler")
                    if request.fillUsername {
                        var error = RPCError(code: .permissionDenied, message: "not for you")
                        error.metadata.add("x-reason", "a test")
                        throw error
                    }
                    var response = Grpc_Testing_SimpleResponse()
                    response.username = "size \(request.responseSize) from \(context.requestMetadata["x-user"] ?? "nobody")"
                    return response
                }
            ]
        }
    }

    /// Counts the calls it wraps.
    struct CountingInterceptor: ServerInterceptor {
        let count = NIOLockedValueBox(0)
        func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
            count.withLockedValue { $0 += 1 }
            try await next(context)
        }
    }

    @Test("answers on the event loop without a task, with its metadata, call after call")
    func answersOnTheLoop() async throws {
        let probe = ImmediateProbe()
        try await withServer(services: [probe]) { port in
            try await withChannel(port: port) { channel in
                var metadata = Metadata()
                metadata.add("x-user", "ana")
                for size in 1...20 {
                    var request = Grpc_Testing_SimpleRequest()
                    request.responseSize = Int32(size)
                    let answer = try await channel.unary(
                        Grpc_Testing_BenchmarkService.Method.unaryCall, request: request,
                        responseType: Grpc_Testing_SimpleResponse.self, options: CallOptions(metadata: metadata))
                    #expect(answer.message.username == "size \(size) from ana")
                    #expect(answer.initialMetadata["x-initial"] == "set by the handler")
                    #expect(answer.trailingMetadata["x-trailing"] == "also set by the handler")
                }
            }
        }
        let sightings = probe.sightings.withLockedValue { $0 }
        #expect(sightings.count == 20)
        #expect(sightings.allSatisfy { !$0.inTask && $0.onEventLoop }, "\(sightings)")
    }

    @Test("a thrown status reaches the client with its message and metadata, and the handler's")
    func thrownStatus() async throws {
        try await withServer(services: [ImmediateProbe()]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                var request = Grpc_Testing_SimpleRequest()
                request.fillUsername = true
                let error = await rpcError { _ = try await client.unaryCall(request) }
                #expect(error?.code == .permissionDenied)
                #expect(error?.message == "not for you")
                #expect(error?.metadata["x-reason"] == "a test")
                #expect(error?.metadata["x-trailing"] == "also set by the handler")
                // The server keeps serving on the same connection.
                let answer = try await client.unaryCall(Grpc_Testing_SimpleRequest())
                #expect(answer.username == "size 0 from nobody")
            }
        }
    }

    @Test("an undecodable request gets the same status from both handler kinds")
    func undecodableRequest() async throws {
        // Field 1 (response_type, an enum) with a varint that never ends: not a message.
        let garbage: [UInt8] = [0x08, 0xff, 0xff, 0xff]
        func status(_ service: any CourierService) async throws -> RPCError? {
            try await withServer(services: [service]) { port in
                try await withChannel(port: port) { channel in
                    await rpcError { _ = try await channel.unaryRaw(Grpc_Testing_BenchmarkService.Method.unaryCall, request: garbage) }
                }
            }
        }
        let immediate = try await status(ImmediateProbe())
        let inTask = try await status(ProbeService())
        #expect(immediate != nil)
        #expect(immediate?.code == inTask?.code)
        #expect(immediate?.message == inTask?.message)
    }

    @Test("with an interceptor it runs in a task, inside the interceptor")
    func interceptedRunsInATask() async throws {
        let probe = ImmediateProbe()
        let interceptor = CountingInterceptor()
        try await withServer(services: [probe], interceptors: [interceptor]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                let answer = try await client.unaryCall(Grpc_Testing_SimpleRequest())
                #expect(answer.username == "size 0 from nobody")
            }
        }
        #expect(interceptor.count.withLockedValue { $0 } == 1)
        #expect(probe.sightings.withLockedValue { $0.map(\.inTask) } == [true])
    }

    /// Records every call's end.
    final class EndLog: ServerCallObserver {
        let ends = NIOLockedValueBox<[(method: String, status: StatusCode, duration: Duration)]>([])
        func callEnded(context: ServerContext, status: StatusCode, duration: Duration) {
            ends.withLockedValue { $0.append((context.method.method, status, duration)) }
        }
    }

    @Test("an observer sees every handler's end, and immediate handlers keep their fast path")
    func observersKeepTheFastPath() async throws {
        let probe = ImmediateProbe()
        let log = EndLog()
        let server = Server(services: [probe], configuration: .testing, observers: [log])
        try await server.serving { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                _ = try await client.unaryCall(Grpc_Testing_SimpleRequest())
                var failing = Grpc_Testing_SimpleRequest()
                failing.fillUsername = true
                _ = await rpcError { _ = try await client.unaryCall(failing) }
            }
        }
        let ends = log.ends.withLockedValue { $0 }
        #expect(ends.map(\.status) == [.ok, .permissionDenied])
        #expect(ends.allSatisfy { $0.method == "UnaryCall" && $0.duration >= .zero })
        #expect(probe.sightings.withLockedValue { $0.map(\.inTask) } == [false, false], "an observer must not cost the task")
    }

    /// A service made of given handlers.
    struct Handlers: CourierService {
        let serviceDescriptor: ServiceDescriptor
        let methodHandlers: [MethodHandler]
    }

    @Test("replacing swaps only the handler of the named method")
    func replacingOneMethod() async throws {
        let probe = ImmediateProbe()
        let original = ProbeService().methodHandlers
        let handlers = original.replacing(probe.methodHandlers[0])
        #expect(handlers.map(\.method) == original.map(\.method))
        let service = Handlers(serviceDescriptor: Grpc_Testing_BenchmarkService.descriptor, methodHandlers: handlers)
        try await withServer(services: [service]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                let answer = try await client.unaryCall(Grpc_Testing_SimpleRequest())
                #expect(answer.username == "size 0 from nobody")
                var request = Grpc_Testing_SimpleRequest()
                request.responseSize = 3
                let first = try await client.streamingFromServer(request) { responses in
                    for try await response in responses { return response.payload?.body.count }
                    return nil
                }
                #expect(first == 3, "the streaming method kept ProbeService's handler")
            }
        }
        #expect(probe.sightings.withLockedValue { $0.count } == 1)
    }
}
