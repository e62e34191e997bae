import ArgumentParser
import Courier
import CourierSchema
import CourierTooling

/// `call HOST:PORT package.Service/Method -d JSON`: any method, requests and responses as JSON.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call a method with JSON requests; print the responses as JSON and the status.",
        discussion: """
            Unary and server-streaming methods take one JSON object (-d '{...}', or {} when -d is left out); \
            client- and bidirectional-streaming methods take one JSON object per line. Responses go to \
            standard output (a streamed response per line); the status, -v's metadata and --trace's frames \
            to standard error.
            """)

    @Argument(help: "HOST:PORT") var server: ServerAddress
    @Argument(help: "package.Service/Method (or package.Service.Method).") var method: String
    @Option(name: [.customShort("d"), .customLong("data")], help: "The request(s) as JSON; @FILE reads a file, @- standard input.")
    var data: String?
    @Option(name: [.customShort("H"), .customLong("header")], help: "Request metadata 'name: value' (repeatable); a -bin name takes base64.")
    var headers: [String] = []
    @Option(help: "The call's deadline, sent as grpc-timeout; 0 for none.") var deadline = DurationArgument(argument: "30s")!
    @Flag(name: .shortAndLong, help: "Also print the method, the request metadata, and the response headers and trailers.")
    var verbose = false
    @Flag(help: "Print every HTTP/2 frame of the call's connection, with the gRPC messages inside DATA decoded (reflection lookups use another connection).")
    var trace = false
    @OptionGroup var schema: SchemaOptions
    @OptionGroup var tls: ClientTLSOptions

    func run() async throws {
        try await reporting(server: server, tls: tls) {
            let (serviceName, _) = try JSONCall.split(method)
            let pool = try await schema.pool(defining: [serviceName], server: server)
            if pool.services[serviceName] == nil, !schema.isLocal {
                throw CLIFailure("unknown service \(serviceName) on \(server)" + (await offeredServices()))
            }
            let call: JSONCall
            do {
                call = try JSONCall(path: method, pool: pool)
            } catch let failure as JSONCall.Failure {
                throw CLIFailure(failure.description)
            }
            let requests: [[UInt8]]
            do {
                requests = try call.encodeRequests(try requestTexts(clientStreaming: call.method.clientStreaming))
            } catch let failure as JSONCall.Failure {
                throw CLIFailure(failure.description)
            }
            let metadata = try parsedMetadata()
            if verbose {
                Terminal.error("method: \(call.descriptor.path) (\(call.descriptor.kind)) \(call.method.inputType) -> \(call.method.outputType)")
                for (key, value) in metadata { Terminal.error("request metadata: \(key): \(value.headerValue)") }
            }
            let tracer = trace ? FrameTraceFormatter(
                schema: .init(pool: call.pool, requestType: call.method.inputType, responseType: call.method.outputType),
                write: { Terminal.error($0) }) : nil
            let streamed = call.method.serverStreaming
            let outcome = try await server.withChannel(frameObserver: tracer?.observer) { channel in
                try await call.run(requests: requests, over: channel, options: CallOptions(timeout: deadline.timeout, metadata: metadata)) { response in
                    Terminal.out(streamed ? response.description : response.formatted())
                }
            }
            if verbose {
                for (key, value) in outcome.initialMetadata { Terminal.error("response header: \(key): \(value.headerValue)") }
                for (key, value) in outcome.trailingMetadata { Terminal.error("response trailer: \(key): \(value.headerValue)") }
            }
            if let error = outcome.error { throw error }
            Terminal.error("status: OK (0)")
        }
    }

    /// The JSON texts to send: the whole input for one request, one per line for a stream.
    func requestTexts(clientStreaming: Bool) throws -> [String] {
        guard let data else { return clientStreaming ? [] : ["{}"] }
        let text: String
        if data.hasPrefix("@") {
            text = String(decoding: try EncodedBytes.file(String(data.dropFirst())), as: UTF8.self)
        } else {
            text = data
        }
        // Blank means an empty message. (Not trimmingCharacters: on a request of megabytes it
        // copied the whole text through NSString just to test for blankness.)
        if !clientStreaming { return [text.utf8.allSatisfy { $0 == 0x20 || (0x09...0x0D).contains($0) } ? "{}" : text] }
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    func parsedMetadata() throws -> Metadata {
        var metadata = Metadata()
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else { throw CLIFailure("-H \(header): expected 'name: value'") }
            let name = header[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.hasSuffix("-bin") {
                guard let bytes = try? EncodedBytes.base64(value) else { throw CLIFailure("-H \(name): a -bin value is base64") }
                metadata.add(name, bytes: bytes)
            } else {
                metadata.add(name, value)
            }
        }
        if let problem = metadata.validationError() { throw CLIFailure("-H: \(problem)") }
        return metadata
    }

    /// "; it offers: ..." from reflection, or nothing when that fails too.
    func offeredServices() async -> String {
        guard let names = try? await server.withChannel({ try await ReflectionDescriptors.listServices(over: $0) }) else { return "" }
        return "; it offers: " + names.sorted().joined(separator: ", ")
    }
}
