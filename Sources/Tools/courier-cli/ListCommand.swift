import ArgumentParser
import Courier
import CourierTooling

/// `list [HOST:PORT] [SERVICE]`: the services, or one service's methods.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the services (or a service's methods) through reflection or local descriptors.")

    @Argument(help: "HOST:PORT (left out with --proto / --descriptor-set), then optionally a service.")
    var arguments: [String] = []
    @OptionGroup var schema: SchemaOptions
    @OptionGroup var tls: ClientTLSOptions

    func run() async throws {
        let (server, rest) = try splitServer(arguments, schema: schema)
        guard rest.count <= 1 else { throw ValidationError("list takes at most one service") }
        try await reporting(server: server, tls: tls) {
            if let service = rest.first {
                let pool = try await schema.pool(defining: [service], server: server)
                guard let found = pool.services[service] else { throw CLIFailure("no service \(service)" + (server.map { " on \($0)" } ?? "")) }
                for method in found.methods { Terminal.out("\(found.fullName).\(method.name)") }
            } else if schema.isLocal {
                for name in try schema.local.pool().services.keys.sorted() { Terminal.out(name) }
            } else if let server {
                let names: [String]
                do {
                    names = try await server.withChannel { try await ReflectionDescriptors.listServices(over: $0) }
                } catch let error as RPCError where error.code == .unimplemented {
                    throw CLIFailure.noReflection(server)
                }
                for name in names.sorted() { Terminal.out(name) }
            }
        }
    }
}

/// The leading HOST:PORT when types come from reflection; none with local descriptors.
func splitServer(_ arguments: [String], schema: SchemaOptions) throws -> (ServerAddress?, [String]) {
    if schema.isLocal { return (nil, arguments) }
    guard let first = arguments.first else { throw ValidationError("give HOST:PORT (for reflection) or --proto / --descriptor-set") }
    return (try ServerAddress.parse(first), Array(arguments.dropFirst()))
}
