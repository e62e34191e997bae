import Courier
import CourierProtos
import CourierServices
import Foundation
import Synchronization

/// `grpc.testing.TestService` as gRPC's interop spec (doc/interop-test-descriptions.md) describes
/// the server: payloads of the requested sizes, the requested status, echoed metadata.
///
/// Two conventions of Courier's own, which its interop servers in Python and Go follow too, for the
/// peer tests of retries and health checking (`InteropNetworkCases`): the first N UnaryCalls with
/// `x-courier-fail-attempts: N` and the same `x-courier-retry-key` fail UNAVAILABLE, and the next
/// answers with its attempt number (`x-courier-attempt`) and the `grpc-previous-rpc-attempts` it
/// saw (`x-courier-previous-attempts`, "none" without one) in its headers; an EmptyCall with
/// `x-courier-set-health: SERVING|NOT_SERVING` sets TestService's health. `fill_server_id` answers
/// `server_id` "courier-<pid>".
public struct TestServiceProvider: Grpc_Testing_TestService.ServiceProtocol {
    /// The server's health service, for `x-courier-set-health`; nil ignores it.
    public let health: HealthService?

    /// A TestService; `health` is the one `x-courier-set-health` changes.
    public init(health: HealthService? = nil) { self.health = health }

    static let serverId = "courier-\(ProcessInfo.processInfo.processIdentifier)"
    /// Attempts seen per `x-courier-retry-key`.
    private static let attempts = Mutex<[String: Int]>([:])

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
        if let wanted = context.requestMetadata["x-courier-set-health"], let health {
            switch wanted {
            case "SERVING": health.setStatus(.serving, for: Grpc_Testing_TestService.name)
            case "NOT_SERVING": health.setStatus(.notServing, for: Grpc_Testing_TestService.name)
            default: throw RPCError(code: .invalidArgument, message: "x-courier-set-health: SERVING or NOT_SERVING")
            }
        }
        return Grpc_Testing_Empty()
    }

    public func unaryCall(request: Grpc_Testing_SimpleRequest, context: ServerContext) throws -> Grpc_Testing_SimpleResponse {
        echoMetadata(context)
        if request.expectCompressed?.value == true && !context.requestWasCompressed {
            throw RPCError(code: .invalidArgument, message: "expect_compressed is set, but the request came uncompressed")
        }
        if request.responseCompressed?.value == true { context.responseCompression = .gzip }
        if let error = requestedStatus(request.responseStatus) { throw error }
        if let failing = context.requestMetadata["x-courier-fail-attempts"].flatMap(Int.init) {
            let key = context.requestMetadata["x-courier-retry-key"] ?? ""
            let attempt = Self.attempts.withLock { attempts in
                attempts[key, default: 0] += 1
                return attempts[key]!
            }
            guard attempt > failing else { throw RPCError(code: .unavailable, message: "attempt \(attempt) refused") }
            var metadata = context.initialMetadata
            metadata.add("x-courier-attempt", "\(attempt)")
            metadata.add("x-courier-previous-attempts", context.requestMetadata["grpc-previous-rpc-attempts"] ?? "none")
            context.initialMetadata = metadata
        }
        var response = Grpc_Testing_SimpleResponse()
        response.payload = Self.payload(size: request.responseSize)
        if request.fillServerId { response.serverId = Self.serverId }
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
