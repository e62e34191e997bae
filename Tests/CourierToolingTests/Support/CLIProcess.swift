import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err"), input = directory.appendingPathComponent("in")
        try Data((stdin ?? "").utf8).write(to: input)
        for file in [out, err] where !FileManager.default.createFile(atPath: file.path, contents: nil) {
            throw CLIError("cannot create \(file.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw CLIError("courier-cli \(arguments.joined(separator: " ")) ran longer than \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        return CLIRun(
            status: process.terminationStatus,
            stdout: try textOfFile(out), stderr: try textOfFile(err))
    }
}

/// Through a file handle: FoundationEssentials' whole-file readers (String(contentsOf:),
/// FileManager.contents) leak their buffer when the file is empty (LeakSanitizer in CI).
private func textOfFile(_ url: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The repository's root (for Protos/ and Tests/Interop/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
