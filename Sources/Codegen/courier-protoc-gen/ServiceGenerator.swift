import CourierSchema
/// Emits, for a service: its method descriptors, a server protocol to implement, and a typed client.
struct ServiceGenerator {
    let service: ProtoService
    let fileConstant: String
    let symbols: SymbolTable

    private var namespace: String {
        Naming.packagePrefix(String(service.fullName.dropLast(service.name.count + 1))) + service.name
    }

    private func kind(_ m: ProtoMethod) -> String {
        switch (m.clientStreaming, m.serverStreaming) {
        case (false, false): return "unary"
        case (false, true): return "serverStreaming"
        case (true, false): return "clientStreaming"
        case (true, true): return "bidirectionalStreaming"
        }
    }

    private func member(_ m: ProtoMethod) -> String { Naming.escaped(Naming.lowerCamel(m.name)) }

    func emit(into w: inout CodeWriter) {
        w.line("/// The `\(service.fullName)` service.")
        w.block("public enum \(namespace)") { w in
            w.line("public static let name = \"\(service.fullName)\"")
            w.line()
            w.block("public enum Method") { w in
                for m in service.methods {
                    w.line("public static let \(member(m)) = MethodDescriptor(service: \"\(service.fullName)\", method: \"\(m.name)\", kind: .\(kind(m)))")
                }
                w.line("public static let all: [MethodDescriptor] = [\(service.methods.map { member($0) }.joined(separator: ", "))]")
            }
            w.line()
            w.line("public static let descriptor = ServiceDescriptor(name: name, methods: Method.all, file: CourierProtoFiles.\(fileConstant))")
            w.line()
            emitServerProtocol(&w)
            w.line()
            emitClient(&w)
        }
        w.line()
        emitHandlers(&w)
    }

    private func types(_ m: ProtoMethod) -> (input: String, output: String) {
        (symbols.swiftName(m.inputType), symbols.swiftName(m.outputType))
    }

    private func emitServerProtocol(_ w: inout CodeWriter) {
        w.line("/// Implement this to serve `\(service.fullName)`; register the value with a `Server`.")
        w.block("public protocol ServiceProtocol: CourierService") { w in
            for m in service.methods {
                let (input, output) = types(m)
                switch (m.clientStreaming, m.serverStreaming) {
                case (false, false):
                    w.line("func \(member(m))(request: \(input), context: ServerContext) async throws -> \(output)")
                case (false, true):
                    w.line("func \(member(m))(request: \(input), responses: ResponseStreamWriter<\(output)>, context: ServerContext) async throws")
                case (true, false):
                    w.line("func \(member(m))(requests: RequestStream<\(input)>, context: ServerContext) async throws -> \(output)")
                case (true, true):
                    w.line("func \(member(m))(requests: RequestStream<\(input)>, responses: ResponseStreamWriter<\(output)>, context: ServerContext) async throws")
                }
            }
        }
    }

    private func emitHandlers(_ w: inout CodeWriter) {
        w.block("extension \(namespace).ServiceProtocol") { w in
            w.line("public var serviceDescriptor: ServiceDescriptor { \(namespace).descriptor }")
            w.line()
            w.line("public var methodHandlers: [MethodHandler] { generatedMethodHandlers }")
            w.line()
            w.line("/// A handler per method, each running its method in a task; a service that answers some")
            w.line("/// methods without suspending implements `methodHandlers` as")
            w.line("/// `generatedMethodHandlers.replacing(.immediateUnary(...))`.")
            w.block("public var generatedMethodHandlers: [MethodHandler]") { w in
                w.line("[")
                for m in service.methods {
                    let (input, output) = types(m)
                    let method = "\(namespace).Method.\(member(m))"
                    switch (m.clientStreaming, m.serverStreaming) {
                    case (false, false):
                        w.line("    .unary(\(method)) { (request: \(input), context) async throws -> \(output) in try await self.\(member(m))(request: request, context: context) },")
                    case (false, true):
                        w.line("    .serverStreaming(\(method)) { (request: \(input), responses: ResponseStreamWriter<\(output)>, context) in try await self.\(member(m))(request: request, responses: responses, context: context) },")
                    case (true, false):
                        w.line("    .clientStreaming(\(method)) { (requests: RequestStream<\(input)>, context) async throws -> \(output) in try await self.\(member(m))(requests: requests, context: context) },")
                    case (true, true):
                        w.line("    .bidirectionalStreaming(\(method)) { (requests: RequestStream<\(input)>, responses: ResponseStreamWriter<\(output)>, context) in try await self.\(member(m))(requests: requests, responses: responses, context: context) },")
                    }
                }
                w.line("]")
            }
        }
    }

    private func emitClient(_ w: inout CodeWriter) {
        w.line("/// A typed client for `\(service.fullName)` over any `ClientTransport`: a `GRPCChannel` (HTTP/2)")
        w.line("/// or an `InProcessTransport` (a server in the same process).")
        w.block("public struct Client: Sendable") { w in
            w.line("/// What carries the calls.")
            w.line("public let channel: any ClientTransport")
            w.line("/// Options for calls made without their own.")
            w.line("public let defaultOptions: CallOptions")
            w.line()
            w.line("/// A client whose calls go over `channel`.")
            w.block("public init(channel: any ClientTransport, defaultOptions: CallOptions = CallOptions())") { w in
                w.line("self.channel = channel")
                w.line("self.defaultOptions = defaultOptions")
            }
            for m in service.methods {
                let (input, output) = types(m)
                let method = "Method.\(member(m))"
                w.line()
                switch (m.clientStreaming, m.serverStreaming) {
                case (false, false):
                    w.block("public func \(member(m))(_ request: \(input), options: CallOptions? = nil) async throws -> \(output)") { w in
                        w.line("try await channel.unary(\(method), request: request, responseType: \(output).self, options: options ?? defaultOptions).message")
                    }
                case (false, true):
                    w.block("public func \(member(m))<Result: Sendable>(_ request: \(input), options: CallOptions? = nil, onResponses handle: (ResponseStream<\(output)>) async throws -> Result) async throws -> Result") { w in
                        w.line("try await channel.serverStreaming(\(method), request: request, responseType: \(output).self, options: options ?? defaultOptions, handle: handle)")
                    }
                case (true, false):
                    w.block("public func \(member(m))(options: CallOptions? = nil, requests send: (RequestStreamWriter<\(input)>) async throws -> Void) async throws -> \(output)") { w in
                        w.line("try await channel.clientStreaming(\(method), responseType: \(output).self, options: options ?? defaultOptions, send: send).message")
                    }
                case (true, true):
                    w.block("public func \(member(m))<Result: Sendable>(options: CallOptions? = nil, _ body: (RequestStreamWriter<\(input)>, ResponseStream<\(output)>) async throws -> Result) async throws -> Result") { w in
                        w.line("try await channel.bidirectionalStreaming(\(method), responseType: \(output).self, options: options ?? defaultOptions, body: body)")
                    }
                }
            }
        }
    }
}
