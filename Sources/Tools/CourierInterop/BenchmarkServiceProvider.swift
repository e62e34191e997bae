import Courier
import CourierProtos

/// `grpc.testing.BenchmarkService`: answers each SimpleRequest with a payload of the requested
/// size, the server side of gRPC's own benchmarks.
public struct BenchmarkServiceProvider: Grpc_Testing_BenchmarkService.ServiceProtocol {
    public init() {}

    static func response(to request: Grpc_Testing_SimpleRequest) -> Grpc_Testing_SimpleResponse {
        var response = Grpc_Testing_SimpleResponse()
        if request.responseSize > 0 { response.payload = TestServiceProvider.payload(size: request.responseSize) }
        return response
    }

    /// UnaryCall only computes: answered on the event loop, without a task.
    public var methodHandlers: [MethodHandler] {
        generatedMethodHandlers.replacing(.immediateUnary(Grpc_Testing_BenchmarkService.Method.unaryCall, unaryCall))
    }

    public func unaryCall(request: Grpc_Testing_SimpleRequest, context: ServerContext) throws -> Grpc_Testing_SimpleResponse {
        Self.response(to: request)
    }

    public func streamingCall(
        requests: RequestStream<Grpc_Testing_SimpleRequest>, responses: ResponseStreamWriter<Grpc_Testing_SimpleResponse>,
        context: ServerContext
    ) async throws {
        for try await request in requests { try await responses.write(Self.response(to: request)) }
    }

    public func streamingFromClient(requests: RequestStream<Grpc_Testing_SimpleRequest>, context: ServerContext) async throws -> Grpc_Testing_SimpleResponse {
        var last = Grpc_Testing_SimpleRequest()
        for try await request in requests { last = request }
        return Self.response(to: last)
    }

    public func streamingFromServer(
        request: Grpc_Testing_SimpleRequest, responses: ResponseStreamWriter<Grpc_Testing_SimpleResponse>, context: ServerContext
    ) async throws {
        let response = Self.response(to: request)
        while !context.isCancelled { try await responses.write(response) }
    }

    public func streamingBothWays(
        requests: RequestStream<Grpc_Testing_SimpleRequest>, responses: ResponseStreamWriter<Grpc_Testing_SimpleResponse>,
        context: ServerContext
    ) async throws {
        for try await request in requests { try await responses.write(Self.response(to: request)) }
    }
}
