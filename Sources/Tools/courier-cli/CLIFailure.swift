import ArgumentParser
import Courier
import Foundation

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

enum Terminal {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

extension AsyncParsableCommand {
    /// Runs `body`; failures print as one actionable line and become the exit status.
    func reporting(server: ServerAddress?, _ body: () async throws -> Void) async throws {
        do {
            try await body()
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

/// What a failed call means, in words a person can act on.
enum Explanation {
    static func of(_ error: RPCError, server: ServerAddress?) -> String {
        let status = "\(error.code) (\(error.code.rawValue))"
        let place = server.map { "\($0)" } ?? "the server"
        switch error.code {
        case .unavailable where error.message.hasPrefix("cannot connect"):
            let refused = error.message.lowercased().contains("refused")
            return "\(status): cannot connect to \(place)" + (refused ? ": connection refused (is the server running, on this port?)" : ": " + error.message)
        case .unavailable where error.message.contains("not HTTP/2"):
            return "\(status): \(place): \(error.message)"
        case .deadlineExceeded:
            return "\(status): no answer within the deadline (raise it with --deadline): \(error.message)"
        case .unimplemented:
            return "\(status): \(place) does not implement this method or service (check the name with `courier-cli list`): \(error.message)"
        default:
            return error.message.isEmpty ? status : "\(status): \(error.message)"
        }
    }
}
