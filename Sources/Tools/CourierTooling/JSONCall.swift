import Courier
import CourierSchema

/// One call of any method, typed at run time by descriptors: requests in protobuf's JSON mapping,
/// responses out the same way. Unary and server-streaming methods take one request; client- and
/// bidirectional-streaming methods any number, sent in order before the half-close.
public struct JSONCall: Sendable {
    public let service: ProtoService
    public let method: ProtoMethod
    public let pool: DescriptorPool

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// What the server answered besides the messages.
    public struct Outcome: Sendable {
        public var initialMetadata: Metadata
        public var trailingMetadata: Metadata
        /// nil: OK.
        public var error: RPCError?
    }

    /// Finds "package.Service/Method" (or "package.Service.Method") in `pool`; an unknown name
    /// fails saying what the pool does have.
    public init(path: String, pool: DescriptorPool) throws {
        let (serviceName, methodName) = try Self.split(path)
        guard let service = pool.services[serviceName] else {
            let known = pool.services.keys.sorted()
            throw Failure(description: "unknown service \(serviceName)" + (known.isEmpty ? "" : "; known services: " + known.joined(separator: ", ")))
        }
        guard let method = service.methods.first(where: { $0.name == methodName }) else {
            throw Failure(description: "unknown method \(methodName) in \(serviceName); its methods: " + service.methods.map(\.name).joined(separator: ", "))
        }
        self.service = service
        self.method = method
        self.pool = pool
    }

    /// ("package.Service", "Method") from either spelling, a leading "/" allowed.
    public static func split(_ path: String) throws -> (String, String) {
        let trimmed = path.drop { $0 == "/" }
        if let slash = trimmed.firstIndex(of: "/") {
            let service = trimmed[..<slash], method = trimmed[trimmed.index(after: slash)...]
            if !service.isEmpty, !method.isEmpty, !method.contains("/") { return (String(service), String(method)) }
        } else if let dot = trimmed.lastIndex(of: "."), dot != trimmed.startIndex, trimmed.index(after: dot) != trimmed.endIndex {
            return (String(trimmed[..<dot]), String(trimmed[trimmed.index(after: dot)...]))
        }
        throw Failure(description: "expected package.Service/Method, got \(path)")
    }

    public var descriptor: MethodDescriptor {
        let kind: RPCKind = switch (method.clientStreaming, method.serverStreaming) {
        case (false, false): .unary
        case (false, true): .serverStreaming
        case (true, false): .clientStreaming
        case (true, true): .bidirectionalStreaming
        }
        return MethodDescriptor(service: service.fullName, method: method.name, kind: kind)
    }

    /// Encodes JSON requests before anything is sent, so a typo fails with its place (request
    /// number and field path) and no half-made call.
    public func encodeRequests(_ texts: [String]) throws -> [[UInt8]] {
        if !method.clientStreaming && texts.count != 1 {
            throw Failure(description: "\(method.name) takes exactly one request, got \(texts.count)")
        }
        let encoder = ProtobufJSONEncoder(pool: pool)
        return try texts.enumerated().map { index, text in
            do {
                return try encoder.encode(json: text, messageType: method.inputType)
            } catch {
                let place = texts.count > 1 ? "request \(index + 1) (\(method.inputType))" : "request (\(method.inputType))"
                throw Failure(description: "bad JSON in \(place): \(error)")
            }
        }
    }

    /// Makes the call; each response is handed over as JSON as it arrives.
    public func run(
        requests: [[UInt8]], over channel: GRPCChannel, options: CallOptions, onResponse: (JSONValue) -> Void
    ) async throws -> Outcome {
        let decoder = ProtobufJSONDecoder(pool: pool)
        let outputType = method.outputType
        /// Reads every response, then the status; an error status becomes the outcome, not a throw.
        func readAll(_ responses: RawResponseStream, after send: () async throws -> Void) async throws -> Outcome {
            do {
                try await send()
                for try await bytes in responses {
                    do {
                        onResponse(try decoder.decode(bytes, messageType: outputType))
                    } catch {
                        throw Failure(description: "the response is not a valid \(outputType): \(error)")
                    }
                }
                return Outcome(initialMetadata: responses.initialMetadata, trailingMetadata: responses.trailingMetadata, error: nil)
            } catch let error as RPCError {
                // A write fails with the call's status when the server ended it early: read that status.
                return Outcome(initialMetadata: responses.initialMetadata, trailingMetadata: error.metadata, error: error)
            }
        }
        do {
            if !method.clientStreaming, let request = requests.first {
                // One request: sent with END_STREAM in its DATA frame, as other gRPC clients do.
                return try await channel.rawServerStreaming(descriptor, request: request, options: options) { responses in
                    try await readAll(responses) {}
                }
            }
            return try await channel.rawStreaming(descriptor, options: options) { writer, responses in
                try await readAll(responses) {
                    for request in requests { try await writer.write(request) }
                    writer.finish()
                }
            }
        } catch let error as RPCError {
            return Outcome(initialMetadata: Metadata(), trailingMetadata: error.metadata, error: error)
        }
    }
}
