import CourierTestSupport
import Foundation

/// One run of the built `courier-cli` binary (beside the test bundle), as a person runs it:
/// arguments, optional standard input; its exit status and both outputs.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
}

enum CLIProcess {
    static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("courier-cli").path
    }

    static func run(_ arguments: [String], stdin: String? = nil, timeout: Duration = .seconds(30)) async throws -> CLIRun {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw CLIError("courier-cli is not built at \(executable)") }
        let run = try await ChildProcess.run(executable, arguments, stdin: stdin.map { Data($0.utf8) }, timeout: timeout)
        return CLIRun(status: run.status, stdout: run.output, stderr: run.errors)
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The repository's root (for Protos/ and Tests/Interop/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
