import ArgumentParser
import Courier
import GRPCServiceProtos
import CourierTooling

/// `health HOST:PORT [SERVICE] [--watch]`: grpc.health.v1.Health's answer, or every change of it
/// until --deadline; exits 0 only when (the last) status is SERVING.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Ask grpc.health.v1.Health whether the server (or one service) is serving.")

    @Argument(help: "HOST:PORT") var server: ServerAddress
    @Argument(help: "The service to ask about; the whole server when left out.") var service: String = ""
    @Flag(help: "Keep watching (Health/Watch) and print every change until interrupted or --deadline.") var watch = false
    @Option(help: "How long to wait, e.g. 5s; 0 for no limit (default 10s, or no limit with --watch).") var deadline: DurationArgument?
    @OptionGroup var tls: ClientTLSOptions

    func run() async throws {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = service
        let timeout: Duration? = if let deadline { deadline.timeout } else { watch ? nil : .seconds(10) }
        var serving = false
        try await reporting(server: server, tls: tls) {
            try await server.withChannel { channel in
                let client = Grpc_Health_V1_Health.Client(channel: channel)
                if watch {
                    do {
                        try await client.watch(request, options: CallOptions(timeout: timeout)) { updates in
                            for try await update in updates {
                                Terminal.out(Self.name(update.status))
                                serving = update.status == .serving
                            }
                        }
                    } catch let error as RPCError where error.code == .deadlineExceeded {
                        // Watching for as long as --deadline asked is the watch's planned end, not a failure:
                        // the exit code says whether the last status was SERVING.
                    }
                } else {
                    let answer = try await client.check(request, options: CallOptions(timeout: timeout))
                    Terminal.out(Self.name(answer.status))
                    serving = answer.status == .serving
                }
            }
        }
        if !serving { throw ExitCode(2) }
    }

    static func name(_ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus) -> String {
        switch status {
        case .unknown: "UNKNOWN"
        case .serving: "SERVING"
        case .notServing: "NOT_SERVING"
        case .serviceUnknown: "SERVICE_UNKNOWN"
        case .unrecognized(let value): "UNRECOGNIZED(\(value))"
        }
    }
}
