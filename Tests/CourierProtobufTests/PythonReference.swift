import Foundation

/// Runs the repository's Python helpers (grpcio and protobuf from PyPI) for cross-checks.
enum PythonReference {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a command, returning its standard output; throws with its standard error on failure.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReferenceError(message: "\(executable) \(arguments) failed: " + String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Python protobuf's encodings of the reference messages, by name.
    static func referenceEncodings() throws -> [String: String] {
        let stubs = FileManager.default.temporaryDirectory.appendingPathComponent("courier-stubs-\(UUID().uuidString)").path
        _ = try run("bash", ["Tests/Interop/generate_stubs.sh", stubs])
        defer { try? FileManager.default.removeItem(atPath: stubs) }
        let output = try run("python3", ["Tests/Interop/encode_reference.py"], environment: ["COURIER_PY_STUBS": stubs])
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
