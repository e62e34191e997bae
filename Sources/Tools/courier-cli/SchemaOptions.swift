import ArgumentParser
import Courier
import CourierSchema
import CourierTooling

/// Where message types come from: local files when given, else the server's reflection.
struct SchemaOptions: ParsableArguments {
    @Option(name: .customLong("proto"), help: "A .proto file to read types from instead of reflection (repeatable; needs protoc).")
    var protoFiles: [String] = []
    @Option(name: [.customShort("I"), .customLong("import-path")], help: "Where imports of --proto files are found (repeatable; default .).")
    var importPaths: [String] = []
    @Option(name: .customLong("descriptor-set"), help: "A FileDescriptorSet (protoc --descriptor_set_out --include_imports) to read types from (repeatable).")
    var descriptorSets: [String] = []

    var local: LocalSchema { LocalSchema(protoFiles: protoFiles, importPaths: importPaths, descriptorSets: descriptorSets) }
    var isLocal: Bool { !local.isEmpty }

    /// Descriptors that define `symbols`: from the local files, or from `server`'s reflection (a
    /// symbol the server does not know is simply absent).
    func pool(defining symbols: [String], server: ServerAddress?) async throws -> DescriptorPool {
        if isLocal { return try local.pool() }
        guard let server else { throw ValidationError("give HOST:PORT (for reflection) or --proto / --descriptor-set") }
        return try await server.withChannel { channel in
            var pool = DescriptorPool()
            do {
                // Unknown symbols are simply absent: each command says what it missed, in its own terms.
                try await ReflectionDescriptors.load(symbols: symbols, over: channel, into: &pool)
            } catch let error as RPCError where error.code == .unimplemented {
                throw CLIFailure.noReflection(server)
            }
            return pool
        }
    }
}
