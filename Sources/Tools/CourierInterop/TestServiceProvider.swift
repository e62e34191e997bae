import Courier
import CourierProtos

/// `grpc.testing.TestService` as gRPC's interop spec (doc/interop-test-descriptions.md) describes
/// the server: payloads of the requested sizes, the requested status, echoed metadata.
public struct TestServiceProvider: Grpc_Testing_TestService.ServiceProtocol {
    public init() {}

    static let echoInitialKey = "x-grpc-test-echo-initial"
    static let echoTrailingKey = "x-grpc-test-echo-trailing-bin"

    /// Echoes the interop metadata keys back, as the custom_metadata case expects.
    private func echoMetadata(_ context: ServerContext) {
        if let initial = context.requestMetadata[Self.echoInitialKey] {
            var metadata = context.initialMetadata
            metadata.add(Self.echoInitialKey, initial)
            context.initialMetadata = metadata
        }
        if let trailing = context.requestMetadata.bytes(Self.echoTrailingKey) {
            var metadata = context.trailingMetadata
            metadata.add(Self.echoTrailingKey, bytes: trailing)
            context.trailingMetadata = metadata
        }
    }

    static func payload(size: Int32) -> Grpc_Testing_Payload {
        var payload = Grpc_Testing_Payload()
        payload.body = [UInt8](repeating: 0, count: Int(max(0, size)))
        return payload
    }

    private func requestedStatus(_ status: Grpc_Testing_EchoStatus?) -> RPCError? {
        guard let status, status.code != 0 else { return nil }
        return RPCError(code: StatusCode(rawValue: Int(status.code)), message: status.message)
    }

    /// The unary methods only compute: answered on the event loop, without a task (so the interop
    /// clients exercise that path too).
    public var methodHandlers: [MethodHandler] {
        typealias Method = Grpc_Testing_TestService.Method
        return generatedMethodHandlers.replacing(
            .immediateUnary(Method.emptyCall, emptyCall), .immediateUnary(Method.unaryCall, unaryCall),
            .immediateUnary(Method.cacheableUnaryCall, cacheableUnaryCall))
    }

    public func emptyCall(request: Grpc_Testing_Empty, context: ServerContext) throws -> Grpc_Testing_Empty {
        echoMetadata(context)
        return Grpc_Testing_Empty()
    }

    public func unaryCall(request: Grpc_Testing_SimpleRequest, context: ServerContext) throws -> Grpc_Testing_SimpleResponse {
        echoMetadata(context)
        if request.expectCompressed?.value == true && !context.requestWasCompressed {
            throw RPCError(code: .invalidArgument, message: "expect_compressed is set, but the request came uncompressed")
        }
        if request.responseCompressed?.value == true { context.responseCompression = .gzip }
        if let error = requestedStatus(request.responseStatus) { throw error }
        var response = Grpc_Testing_SimpleResponse()
        response.payload = Self.payload(size: request.responseSize)
        return response
    }

    public func cacheableUnaryCall(request: Grpc_Testing_SimpleRequest, context: ServerContext) throws -> Grpc_Testing_SimpleResponse {
        try unaryCall(request: request, context: context)
    }

    public func streamingOutputCall(
        request: Grpc_Testing_StreamingOutputCallRequest, responses: ResponseStreamWriter<Grpc_Testing_StreamingOutputCallResponse>,
        context: ServerContext
    ) async throws {
        echoMetadata(context)
        try await respond(to: request, on: responses, context: context)
    }

    public func streamingInputCall(
        requests: RequestStream<Grpc_Testing_StreamingInputCallRequest>, context: ServerContext
    ) async throws -> Grpc_Testing_StreamingInputCallResponse {
        echoMetadata(context)
        var total = 0
        var iterator = requests.makeAsyncIterator()
        while let request = try await iterator.next() {
            if request.expectCompressed?.value == true && !iterator.lastMessageWasCompressed {
                throw RPCError(code: .invalidArgument, message: "expect_compressed is set, but request message came uncompressed")
            }
            total += request.payload?.body.count ?? 0
        }
        var response = Grpc_Testing_StreamingInputCallResponse()
        response.aggregatedPayloadSize = Int32(total)
        return response
    }

    public func fullDuplexCall(
        requests: RequestStream<Grpc_Testing_StreamingOutputCallRequest>,
        responses: ResponseStreamWriter<Grpc_Testing_StreamingOutputCallResponse>, context: ServerContext
    ) async throws {
        echoMetadata(context)
        for try await request in requests { try await respond(to: request, on: responses, context: context) }
    }

    public func halfDuplexCall(
        requests: RequestStream<Grpc_Testing_StreamingOutputCallRequest>,
        responses: ResponseStreamWriter<Grpc_Testing_StreamingOutputCallResponse>, context: ServerContext
    ) async throws {
        echoMetadata(context)
        var all: [Grpc_Testing_StreamingOutputCallRequest] = []
        for try await request in requests { all.append(request) }
        for request in all { try await respond(to: request, on: responses, context: context) }
    }

    public func unimplementedCall(request: Grpc_Testing_Empty, context: ServerContext) async throws -> Grpc_Testing_Empty {
        throw RPCError(code: .unimplemented, message: "UnimplementedCall is, by design, not implemented")
    }

    private func respond(
        to request: Grpc_Testing_StreamingOutputCallRequest, on responses: ResponseStreamWriter<Grpc_Testing_StreamingOutputCallResponse>,
        context: ServerContext
    ) async throws {
        if let error = requestedStatus(request.responseStatus) { throw error }
        // Responses asked for compressed go out in gzip; the others, plain.
        let anyCompressed = request.responseParameters.contains { $0.compressed?.value == true }
        if anyCompressed { context.responseCompression = .gzip }
        for parameters in request.responseParameters {
            if parameters.intervalUs > 0 { try await Task.sleep(for: .microseconds(Int(parameters.intervalUs))) }
            var response = Grpc_Testing_StreamingOutputCallResponse()
            response.payload = Self.payload(size: parameters.size)
            try await responses.write(response, compress: !anyCompressed || parameters.compressed?.value == true)
        }
    }
}
