import ArgumentParser
import CourierTooling

/// `describe [HOST:PORT] SYMBOL...`: services, methods, messages and enums as .proto text.
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show a service, method, message or enum as .proto text.")

    @Argument(help: "HOST:PORT (left out with --proto / --descriptor-set), then fully-qualified symbols.")
    var arguments: [String] = []
    @OptionGroup var schema: SchemaOptions
    @OptionGroup var tls: ClientTLSOptions

    func run() async throws {
        let (server, symbols) = try splitServer(arguments, schema: schema)
        guard !symbols.isEmpty else { throw ValidationError("describe what? give a symbol, e.g. grpc.health.v1.Health") }
        try await reporting(server: server, tls: tls) {
            let pool = try await schema.pool(defining: symbols.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }, server: server)
            for (index, symbol) in symbols.enumerated() {
                if index > 0 { Terminal.out("") }
                guard let text = SchemaDescription.describe(symbol, in: pool) else {
                    throw CLIFailure("no symbol \(symbol)" + (server.map { " on \($0)" } ?? ""))
                }
                Terminal.out(text)
            }
        }
    }
}
