import Courier
import CourierInterop
import CourierProtos
import CourierTooling
import NIOConcurrencyHelpers
import Testing

/// gRPC's retry policy (A6) through real sockets: a server that fails the first attempts, the
/// attempts it sees (with `grpc-previous-rpc-attempts`), and every rule that stops a retry.
@Suite("Retries", .timeLimit(.minutes(1)))
struct RetryTests {
    /// BenchmarkService whose UnaryCall fails the first `response_size` attempts of each call
    /// (told apart by the payload) with the status in `response_status` (and its message as
    /// `grpc-retry-pushback-ms` when it is a number); StreamingFromServer sends one response and then
    /// fails UNAVAILABLE (response headers first: the call is committed).
    final class FlakyService: CourierService, Sendable {
        let attempts = NIOLockedValueBox([String: [String?]]())

        var serviceDescriptor: ServiceDescriptor { Grpc_Testing_BenchmarkService.descriptor }

        var methodHandlers: [MethodHandler] {
            [
                .unary(Grpc_Testing_BenchmarkService.Method.unaryCall) { (request: Grpc_Testing_SimpleRequest, context) in
                    let key = String(decoding: request.payload?.body ?? [], as: UTF8.self)
                    let seen = self.attempts.withLockedValue { attempts in
                        attempts[key, default: []].append(context.requestMetadata["grpc-previous-rpc-attempts"])
                        return attempts[key]!.count
                    }
                    if seen <= Int(request.responseSize), let status = request.responseStatus {
                        var metadata = Metadata()
                        if Int(status.message) != nil { metadata.add("grpc-retry-pushback-ms", status.message) }
                        throw RPCError(code: StatusCode(rawValue: Int(status.code)), message: "attempt \(seen) fails", metadata: metadata)
                    }
                    return Grpc_Testing_SimpleResponse()
                },
                .serverStreaming(Grpc_Testing_BenchmarkService.Method.streamingFromServer) {
                    (request: Grpc_Testing_SimpleRequest, responses: ResponseStreamWriter<Grpc_Testing_SimpleResponse>, _) in
                    let key = String(decoding: request.payload?.body ?? [], as: UTF8.self)
                    self.attempts.withLockedValue { $0[key, default: []].append(nil) }
                    try await responses.write(Grpc_Testing_SimpleResponse())
                    throw RPCError(code: .unavailable, message: "after the headers")
                },
            ]
        }

        func attempts(_ key: String) -> [String?] { attempts.withLockedValue { $0[key] ?? [] } }
    }

    static func request(_ key: String, failing: Int, code: StatusCode = .unavailable, pushback: String = "") -> Grpc_Testing_SimpleRequest {
        var request = Grpc_Testing_SimpleRequest()
        request.payload = Grpc_Testing_Payload()
        request.payload?.body = Array(key.utf8)
        request.responseSize = Int32(failing)
        var status = Grpc_Testing_EchoStatus()
        status.code = Int32(code.rawValue)
        status.message = pushback
        request.responseStatus = status
        return request
    }

    static func configuration(_ json: String) throws -> ChannelConfiguration {
        var configuration = ChannelConfiguration()
        configuration.serviceConfig = try ServiceConfig(json: json)
        return configuration
    }

    static let threeAttempts = """
        {"methodConfig": [{"name": [{"service": "grpc.testing.BenchmarkService"}],
          "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.05s", "backoffMultiplier": 2,
                          "retryableStatusCodes": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"]}}]}
        """

    func withFlakyServer(_ json: String, _ body: (FlakyService, Grpc_Testing_BenchmarkService.Client, GRPCChannel) async throws -> Void) async throws {
        let service = FlakyService()
        try await withServer(services: [service]) { port in
            try await withChannel(port: port, configuration: try Self.configuration(json)) { channel in
                try await body(service, Grpc_Testing_BenchmarkService.Client(channel: channel), channel)
            }
        }
    }

    @Test("two UNAVAILABLE attempts, then OK: three attempts, the retries saying grpc-previous-rpc-attempts 1 and 2")
    func retriesUntilSuccess() async throws {
        try await withFlakyServer(Self.threeAttempts) { service, client, _ in
            _ = try await client.unaryCall(Self.request("a", failing: 2))
            #expect(service.attempts("a") == [nil, "1", "2"])
        }
    }

    @Test("attempts run out at maxAttempts; a status the policy does not name is not retried")
    func limits() async throws {
        try await withFlakyServer(Self.threeAttempts) { service, client, _ in
            let exhausted = await rpcError { _ = try await client.unaryCall(Self.request("b", failing: 5)) }
            #expect(exhausted?.code == .unavailable && exhausted?.message == "attempt 3 fails")
            #expect(service.attempts("b").count == 3)
            let invalid = await rpcError { _ = try await client.unaryCall(Self.request("c", failing: 5, code: .invalidArgument)) }
            #expect(invalid?.code == .invalidArgument)
            #expect(service.attempts("c").count == 1)
        }
    }

    @Test("after response headers the call is committed: UNAVAILABLE in the trailers is not retried")
    func committedCallsAreNotRetried() async throws {
        try await withFlakyServer(Self.threeAttempts) { service, _, channel in
            let method = MethodDescriptor(service: "grpc.testing.BenchmarkService", method: "StreamingFromServer", kind: .unary)
            let error = await rpcError {
                _ = try await channel.unary(method, request: Self.request("d", failing: 0), responseType: Grpc_Testing_SimpleResponse.self)
            }
            #expect(error?.code == .unavailable)
            #expect(service.attempts("d").count == 1)
        }
    }

    @Test("pushback: a negative grpc-retry-pushback-ms stops retries; a positive one is the wait")
    func pushback() async throws {
        try await withFlakyServer(Self.threeAttempts) { service, client, _ in
            _ = await rpcError { _ = try await client.unaryCall(Self.request("e", failing: 5, pushback: "-1")) }
            #expect(service.attempts("e").count == 1)
            let started = ContinuousClock.now
            _ = try await client.unaryCall(Self.request("f", failing: 1, code: .resourceExhausted, pushback: "300"))
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(service.attempts("f").count == 2)
        }
    }

    @Test("no retry whose wait would outlast the deadline")
    func deadline() async throws {
        let slow = Self.threeAttempts.replacingOccurrences(of: "\"0.01s\"", with: "\"30s\"").replacingOccurrences(of: "\"0.05s\"", with: "\"30s\"")
        try await withFlakyServer(slow) { service, client, _ in
            let started = ContinuousClock.now
            // The deadline is generous (a busy machine may take seconds to connect); the wait, 20 s, is longer.
            let error = await rpcError { _ = try await client.unaryCall(Self.request("g", failing: 5, pushback: "20000"), options: CallOptions(timeout: .seconds(10))) }
            #expect(error?.code == .unavailable)
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(service.attempts("g").count == 1)
        }
    }

    @Test("throttling: with the bucket at half or less, failures are no longer retried")
    func throttling() async throws {
        let throttled = Self.threeAttempts.replacingOccurrences(of: "\"maxAttempts\": 3", with: "\"maxAttempts\": 5")
            .dropLast() + ", \"retryThrottling\": {\"maxTokens\": 4, \"tokenRatio\": 0.1}}"
        try await withFlakyServer(String(throttled)) { service, client, _ in
            _ = await rpcError { _ = try await client.unaryCall(Self.request("h", failing: 9)) }
            _ = await rpcError { _ = try await client.unaryCall(Self.request("i", failing: 9)) }
            // 4 tokens: the first failure leaves 3 (> 2: retried), the second 2 (not); then 1.
            #expect(service.attempts("h").count == 2)
            #expect(service.attempts("i").count == 1)
        }
    }

    @Test("service config JSON: the most specific name wins; a bad policy is refused naming its field")
    func serviceConfigJSON() throws {
        let config = try ServiceConfig(json: """
            {"methodConfig": [
              {"name": [{"service": "a.S", "method": "M"}], "retryPolicy": {"maxAttempts": 4, "initialBackoff": "1s", "maxBackoff": "2s",
                "backoffMultiplier": 1.5, "retryableStatusCodes": ["UNAVAILABLE"]}},
              {"name": [{"service": "a.S"}], "retryPolicy": {"maxAttempts": 2, "initialBackoff": "1s", "maxBackoff": "2s",
                "backoffMultiplier": 1.5, "retryableStatusCodes": ["ABORTED"]}},
              {"name": [{}], "retryPolicy": {"maxAttempts": 9, "initialBackoff": "0.5s", "maxBackoff": "2s",
                "backoffMultiplier": 2, "retryableStatusCodes": ["unavailable"]}}],
             "loadBalancingConfig": [{"round_robin": {}}]}
            """)
        #expect(config.retryPolicy(for: MethodDescriptor(service: "a.S", method: "M", kind: .unary))?.maxAttempts == 4)
        #expect(config.retryPolicy(for: MethodDescriptor(service: "a.S", method: "N", kind: .unary))?.retryableStatusCodes == [.aborted])
        #expect(config.retryPolicy(for: MethodDescriptor(service: "b.T", method: "N", kind: .unary))?.maxAttempts == 5, "capped at 5")
        for bad in [
            #"{"methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 1, "initialBackoff": "1s", "maxBackoff": "1s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
            #"{"methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 3, "initialBackoff": "soon", "maxBackoff": "1s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
            #"{"methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 3, "initialBackoff": "1s", "maxBackoff": "1s", "backoffMultiplier": 2, "retryableStatusCodes": ["SOMETIMES"]}}]}"#,
            "{not json",
        ] {
            #expect(throws: ServiceConfigError.self) { _ = try ServiceConfig(json: bad) }
        }
    }
}
