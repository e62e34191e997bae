import ArgumentParser
import Courier
import CourierTooling

/// A failure told to a person: one line on standard error, and an exit status.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    var exitCode: Int32 = 1

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

extension CLIFailure {
    static func noReflection(_ server: ServerAddress) -> CLIFailure {
        CLIFailure("\(server) has no reflection service (grpc.reflection.v1 or v1alpha): give the types with --proto FILE (and -I DIR) or --descriptor-set FILE")
    }
}

extension AsyncParsableCommand {
    /// Runs `body` with the command's TLS for its channels; failures print as one actionable
    /// line and become the exit status.
    func reporting(server: ServerAddress?, tls: ClientTLSOptions, _ body: () async throws -> Void) async throws {
        do {
            try await CLISecurity.$current.withValue(try tls.security()) { try await body() }
        } catch let failure as CLIFailure {
            Terminal.error("error: \(failure.description)")
            throw ExitCode(failure.exitCode)
        } catch let error as RPCError {
            Terminal.error("error: " + Explanation.of(error, server: server))
            throw ExitCode(64 + Int32(error.code.rawValue))
        } catch let error as ValidationError {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}
