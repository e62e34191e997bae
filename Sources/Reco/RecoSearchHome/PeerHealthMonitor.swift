import RecoCore
import Courier
import GRPCServiceProtos
import RecoProtos
import CourierServices
import Logging

/// Keeps SearchHome's health status true to what it can do: without Candidates it has nothing
/// to answer with, so while Candidates' own health check fails (or says it is not serving)
/// SearchHome reports NOT_SERVING, and SERVING again once Candidates answers. A load balancer
/// watching health then stops sending Recommend calls that could only fail.
public final class PeerHealthMonitor: Sendable {
    private let task: Task<Void, Never>

    /// Checks `candidates` every `interval` (each check bounded by `timeout`) and sets the status
    /// of each of `services` in `health`.
    public init(candidates: any ClientTransport, health: HealthService, services: [String],
                interval: Duration = .seconds(1), timeout: Duration = .milliseconds(500),
                logger: Logger = Logger(label: "reco.searchhome")) {
        task = Task {
            let client = Grpc_Health_V1_Health.Client(channel: candidates)
            var request = Grpc_Health_V1_HealthCheckRequest()
            request.service = Reco_V1_CandidateService.name
            var last: HealthService.Status?
            while !Task.isCancelled {
                let status: HealthService.Status
                var problem = ""
                do {
                    // Critical: an overloaded Candidates must not shed the check and look dead.
                    var options = CallOptions(timeout: timeout)
                    options.metadata.add(AdmissionControl.criticalityHeader, "critical")
                    let answer = try await client.check(request, options: options)
                    status = answer.status == .serving ? .serving : .notServing
                    if status != .serving { problem = "Candidates reports \(answer.status)" }
                } catch let error as RPCError where error.code == .resourceExhausted {
                    status = .serving  // busy, and so reachable
                } catch {
                    status = .notServing
                    problem = "\(RPCError(reporting: error))"
                }
                if status != last {
                    for service in services { health.setStatus(status, for: service) }
                    if status == .serving {
                        logger.notice("Candidates reachable: SearchHome SERVING")
                    } else {
                        logger.error("Candidates unreachable: SearchHome NOT_SERVING", metadata: ["cause": "\(problem)"])
                    }
                    last = status
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Stops checking.
    public func stop() { task.cancel() }

    deinit { task.cancel() }
}
