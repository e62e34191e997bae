import CourierTestSupport
import Foundation

/// Runs the repository's Python helpers (grpcio and protobuf from PyPI) for cross-checks.
enum PythonReference {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a command, returning its standard output; throws with its standard error on failure.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let run = try await ChildProcess.run("/usr/bin/env", [executable] + arguments, environment: environment, currentDirectory: repositoryRoot.path)
        guard run.status == 0 else { throw ReferenceError(message: "\(executable) \(arguments) failed: " + run.errors) }
        return run.output
    }

    /// Python protobuf's encodings of the reference messages, by name.
    static func referenceEncodings() async throws -> [String: String] {
        let stubs = FileManager.default.temporaryDirectory.appendingPathComponent("courier-stubs-\(UUID().uuidString)").path
        _ = try await run("bash", ["Tests/Interop/generate_stubs.sh", stubs])
        defer { try? FileManager.default.removeItem(atPath: stubs) }
        let output = try await run("python3", ["Tests/Interop/encode_reference.py"], environment: ["COURIER_PY_STUBS": stubs])
        var encodings: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            encodings[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return encodings
    }

    struct ReferenceError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
