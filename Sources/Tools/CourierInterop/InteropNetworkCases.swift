import Courier
import CourierProtos
import Foundation

/// Courier's own peer cases for the client's retries, health-checked load balancing and keepalive
/// (InteropKeepaliveCases.swift), against
/// any server that follows the conventions `TestServiceProvider` describes (Courier's interop
/// server, and the grpcio and grpc-go servers in Tests/Interop): the peer's HTTP/2, status and
/// health service, Courier's policy.
public enum InteropNetworkCase: String, CaseIterable, Sendable {
    /// A service config's retry policy: a call refused UNAVAILABLE twice succeeds on its third
    /// attempt, which carries `grpc-previous-rpc-attempts: 2`; one refused every time stops after
    /// maxAttempts (4); without a policy, no retry.
    case retryUnavailable = "retry_unavailable"
    /// Round robin over `target`'s servers, health-checked: the first server set NOT_SERVING (by
    /// `x-courier-set-health`) leaves the rotation, and comes back once SERVING again.
    case healthCheckedRoundRobin = "health_checked_round_robin"
    /// A channel pinging every 100 ms under an idle call: the server's keepalive policy ends the
    /// connection (GOAWAY ENHANCE_YOUR_CALM "too_many_pings", or grpcio's "Too many pings").
    case keepaliveTooManyPings = "keepalive_too_many_pings"
    /// Prints READY once connected; the harness then stops the server (SIGSTOP), and the open
    /// call must fail UNAVAILABLE naming the keepalive within its interval + timeout.
    case keepaliveDeadServer = "keepalive_dead_server"

    /// Runs the case against `target` with `configuration` as the base of its channels; returns
    /// a note when the server could not take part in a check.
    public func run(target: ChannelTarget, configuration: ChannelConfiguration) async throws -> String? {
        switch self {
        case .retryUnavailable: return try await Self.retryUnavailable(target: target, configuration: configuration)
        case .healthCheckedRoundRobin:
            try await Self.healthCheckedRoundRobin(target: target, configuration: configuration)
            return nil
        case .keepaliveTooManyPings: return try await Self.keepaliveTooManyPings(target: target, configuration: configuration)
        case .keepaliveDeadServer: return try await Self.keepaliveDeadServer(target: target, configuration: configuration)
        }
    }

    static let retryPolicy = RetryPolicy(
        maxAttempts: 4, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50), retryableStatusCodes: [.unavailable])

    static func failing(_ attempts: Int) -> CallOptions {
        var metadata = Metadata()
        metadata.add("x-courier-fail-attempts", "\(attempts)")
        metadata.add("x-courier-retry-key", UUID().uuidString)
        return CallOptions(timeout: .seconds(10), metadata: metadata)
    }

    static func retryUnavailable(target: ChannelTarget, configuration: ChannelConfiguration) async throws -> String? {
        var retrying = configuration
        retrying.serviceConfig = ServiceConfig(methodConfigs: [.init(names: [.init(service: Grpc_Testing_TestService.name)], retryPolicy: retryPolicy)])
        let channel = GRPCChannel(target: target, configuration: retrying)
        defer { Task { await channel.close() } }
        let method = Grpc_Testing_TestService.Method.unaryCall
        let answer = try await channel.unary(method, request: Grpc_Testing_SimpleRequest(), responseType: Grpc_Testing_SimpleResponse.self, options: failing(2))
        try expect(answer.initialMetadata["x-courier-attempt"] == "3", "expected the third attempt to succeed, headers: \(answer.initialMetadata.entries)")
        let previous = answer.initialMetadata["x-courier-previous-attempts"]
        var note: String?
        if previous == "none" {
            note = "the server's application does not see grpc-previous-rpc-attempts"
        } else {
            try expect(previous == "2", "grpc-previous-rpc-attempts on the third attempt: \(previous ?? "absent")")
        }
        do {
            _ = try await channel.unary(method, request: Grpc_Testing_SimpleRequest(), responseType: Grpc_Testing_SimpleResponse.self, options: failing(9))
            throw InteropFailure("a call refused every time succeeded")
        } catch let error as RPCError {
            try expect(error.code == .unavailable && error.message.contains("attempt 4 refused"), "expected UNAVAILABLE after 4 attempts, got \(error)")
        }
        let plain = GRPCChannel(target: target, configuration: configuration)
        defer { Task { await plain.close() } }
        do {
            _ = try await plain.unary(method, request: Grpc_Testing_SimpleRequest(), responseType: Grpc_Testing_SimpleResponse.self, options: failing(1))
            throw InteropFailure("a call without a retry policy was retried")
        } catch let error as RPCError {
            try expect(error.code == .unavailable && error.message.contains("attempt 1 refused"), "expected one attempt, got \(error)")
        }
        return note
    }

    static func healthCheckedRoundRobin(target: ChannelTarget, configuration: ChannelConfiguration) async throws {
        guard case .addresses(let addresses) = target, addresses.count >= 2, case .host(let host, let port) = addresses[0] else {
            throw InteropFailure("health_checked_round_robin needs --target ipv4:a:p,b:q with two servers or more")
        }
        let direct = GRPCChannel(host: host, port: port, configuration: configuration)
        defer { Task { await direct.close() } }
        var balanced = configuration
        balanced.loadBalancing = .roundRobin
        balanced.healthCheckService = Grpc_Testing_TestService.name
        let channel = GRPCChannel(target: target, configuration: balanced)
        defer { Task { await channel.close() } }
        let first = try await serverId(direct)
        try await setHealth("SERVING", on: direct)

        func servers(_ calls: Int) async throws -> Set<String> {
            var seen: Set<String> = []
            for _ in 0..<calls { seen.insert(try await serverId(channel)) }
            return seen
        }
        func waitUntil(_ condition: @escaping (Set<String>) -> Bool, _ what: String) async throws {
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline {
                if condition(try await servers(4 * addresses.count)) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw InteropFailure(what)
        }
        try await waitUntil({ $0.contains(first) }, "\(first) never answered through round robin")
        try await setHealth("NOT_SERVING", on: direct)
        try await waitUntil({ !$0.contains(first) }, "\(first) stayed in the rotation after NOT_SERVING")
        let after = try await servers(10 * addresses.count)
        try expect(!after.contains(first), "\(first) answered while NOT_SERVING")
        try expect(after.count == addresses.count - 1, "the other servers share the calls: \(after.sorted())")
        try await setHealth("SERVING", on: direct)
        try await waitUntil({ $0.contains(first) }, "\(first) did not come back after SERVING")
    }

    static func serverId(_ channel: GRPCChannel) async throws -> String {
        var request = Grpc_Testing_SimpleRequest()
        request.fillServerId = true
        let id = try await Grpc_Testing_TestService.Client(channel: channel).unaryCall(request, options: CallOptions(timeout: .seconds(5))).serverId
        try expect(!id.isEmpty, "the server did not fill server_id")
        return id
    }

    static func setHealth(_ status: String, on channel: GRPCChannel) async throws {
        var metadata = Metadata()
        metadata.add("x-courier-set-health", status)
        _ = try await Grpc_Testing_TestService.Client(channel: channel).emptyCall(Grpc_Testing_Empty(), options: CallOptions(timeout: .seconds(5), metadata: metadata))
    }
}
