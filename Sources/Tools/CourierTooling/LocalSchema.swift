import CourierSchema
import Foundation

/// Descriptors from local files, for servers without reflection: FileDescriptorSets
/// (`protoc --descriptor_set_out --include_imports`) and `.proto` files, which protoc compiles
/// into a set first (parsing .proto ourselves would be a second, weaker protoc).
public struct LocalSchema: Sendable {
    public var protoFiles: [String]
    public var importPaths: [String]
    public var descriptorSets: [String]

    public init(protoFiles: [String] = [], importPaths: [String] = [], descriptorSets: [String] = []) {
        self.protoFiles = protoFiles
        self.importPaths = importPaths
        self.descriptorSets = descriptorSets
    }

    public var isEmpty: Bool { protoFiles.isEmpty && descriptorSets.isEmpty }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public func pool() throws -> DescriptorPool {
        var pool = DescriptorPool()
        for path in descriptorSets {
            guard let bytes = try? EncodedBytes.file(path) else { throw Failure(description: "cannot read the descriptor set \(path)") }
            do {
                try pool.add(serializedFileSet: bytes)
            } catch {
                throw Failure(description: "\(path): \(error)")
            }
        }
        if !protoFiles.isEmpty { try pool.add(serializedFileSet: try compileProtos()) }
        return pool
    }

    /// Runs protoc over the .proto files; its own messages (syntax errors, missing imports) are
    /// what a person needs, so they are passed on as they are.
    private func compileProtos() throws -> [UInt8] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("courier-\(UUID().uuidString).pb")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let includes = (importPaths.isEmpty ? ["."] : importPaths).map { "-I" + $0 }
        process.arguments = ["protoc", "--include_imports", "--descriptor_set_out=" + output.path] + includes + protoFiles
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(description: "reading .proto files needs protoc (apt-get install protobuf-compiler), or give --descriptor-set: \(error)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let data = try? EncodedBytes.file(output.path) else {
            if process.terminationStatus == 127 { throw Failure(description: "reading .proto files needs protoc (apt-get install protobuf-compiler), or give --descriptor-set") }
            throw Failure(description: "protoc could not compile \(protoFiles.joined(separator: " ")):\n\(message)")
        }
        return data
    }
}
