/// What the generator knows of one `.proto` file, embedded so that a server can answer reflection
/// with no `.proto` at hand.
public final class GeneratedProtoFile: Sendable {
    /// The path protoc knew the file by, e.g. `grpc/testing/messages.proto`.
    public let name: String
    /// The files it imports.
    public let dependencies: [GeneratedProtoFile]
    /// Fully-qualified names of every message, enum, service and method it declares.
    public let symbols: [String]
    /// The serialized `google.protobuf.FileDescriptorProto` (source info stripped).
    public let serializedDescriptor: [UInt8]

    /// A file as the generator embeds it: its descriptor in base64.
    public init(name: String, dependencies: [GeneratedProtoFile], symbols: [String], descriptorBase64: String) {
        self.name = name
        self.dependencies = dependencies
        self.symbols = symbols
        self.serializedDescriptor = Base64.decode(descriptorBase64)
    }

    /// This file and everything it imports, transitively, each once, dependencies first.
    public var withDependencies: [GeneratedProtoFile] {
        var seen = Set<String>()
        var ordered: [GeneratedProtoFile] = []
        func visit(_ file: GeneratedProtoFile) {
            guard seen.insert(file.name).inserted else { return }
            file.dependencies.forEach(visit)
            ordered.append(file)
        }
        visit(self)
        return ordered
    }
}

/// The namespace generated code hangs each file's `GeneratedProtoFile` on.
public enum CourierProtoFiles {}
