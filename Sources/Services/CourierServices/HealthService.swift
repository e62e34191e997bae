import Courier
import GRPCServiceProtos
import Synchronization

/// `grpc.health.v1.Health`: the serving status of the server ("") and of each service.
///
/// Check answers NOT_FOUND for a service it was never told of; Watch sends the current status
/// (SERVICE_UNKNOWN for an unknown service) and then every change, until the client leaves.
public final class HealthService: Grpc_Health_V1_Health.ServiceProtocol {
    /// SERVING, NOT_SERVING, UNKNOWN or SERVICE_UNKNOWN.
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = ["": .serving]
        var watchers: [String: [Int: AsyncStream<Status>.Continuation]] = [:]
        var nextWatcher = 0
    }

    private let state = Mutex(State())

    /// A health service where only the server as a whole ("") is known, SERVING.
    public init() {}

    /// Sets the status of `service` ("" for the whole server) and tells its watchers.
    public func setStatus(_ status: Status, for service: String = "") {
        let watchers = state.withLock { state in
            state.statuses[service] = status
            return Array(state.watchers[service, default: [:]].values)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    /// Marks every known service NOT_SERVING (for a graceful shutdown).
    public func enterShutdown() {
        let services = state.withLock { Array($0.statuses.keys) }
        for service in services { setStatus(.notServing, for: service) }
    }

    /// Check only reads the table: answered on the event loop, without a task.
    public var methodHandlers: [MethodHandler] {
        generatedMethodHandlers.replacing(.immediateUnary(Grpc_Health_V1_Health.Method.check, check))
    }

    /// The status of `request.service`, or NOT_FOUND for a service never set.
    public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = state.withLock({ $0.statuses[request.service] }) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = status
        return response
    }

    /// Sends the status of `request.service` now and on every change, until the client cancels.
    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest, responses: ResponseStreamWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        let (stream, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[request.service, default: [:]][id] = continuation
            continuation.yield(state.statuses[request.service] ?? .serviceUnknown)
            return id
        }
        defer { _ = state.withLock { $0.watchers[request.service]?.removeValue(forKey: id) } }
        var last: Status?
        for await status in stream where status != last {
            last = status
            var response = Grpc_Health_V1_HealthCheckResponse()
            response.status = status
            try await responses.write(response)
        }
    }
}
