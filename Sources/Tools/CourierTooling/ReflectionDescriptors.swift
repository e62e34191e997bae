import Courier
import GRPCServiceProtos
import CourierSchema

/// What a server's reflection service (grpc.reflection.v1, falling back to v1alpha, whose messages
/// are the same on the wire) says: its services, and the file defining a symbol with every file it
/// imports, so requests can be built from JSON with no .proto at hand.
public enum ReflectionDescriptors {
    static let v1 = MethodDescriptor(service: "grpc.reflection.v1.ServerReflection", method: "ServerReflectionInfo", kind: .bidirectionalStreaming)
    static let v1alpha = MethodDescriptor(service: "grpc.reflection.v1alpha.ServerReflection", method: "ServerReflectionInfo", kind: .bidirectionalStreaming)

    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest.OneOf_MessageRequest
    typealias Response = Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse

    /// The server's services by full name, as it lists them.
    public static func listServices(over channel: GRPCChannel, options: CallOptions = CallOptions(timeout: .seconds(10))) async throws -> [String] {
        var names: [String] = []
        try await exchange(over: channel, options: options, first: [.listServices("")]) { _, response in
            guard case .listServicesResponse(let list) = response else { throw unexpected(response) }
            names = list.service.map(\.name)
            return []
        }
        return names
    }

    /// Adds to `pool` the file that defines `symbol` (a service, method, message or enum by full
    /// name) and its imports.
    public static func load(symbol: String, over channel: GRPCChannel, into pool: inout DescriptorPool, options: CallOptions = CallOptions(timeout: .seconds(10))) async throws {
        let missing = try await load(symbols: [symbol], over: channel, into: &pool, options: options)
        if let symbol = missing.first { throw RPCError(code: .notFound, message: "reflection: the server does not know \(symbol)") }
    }

    /// Adds to `pool` the files that define `symbols` and their imports, over one stream; answers
    /// the symbols the server does not know. An import the server cannot give is an error.
    @discardableResult
    public static func load(
        symbols: [String], over channel: GRPCChannel, into pool: inout DescriptorPool, options: CallOptions = CallOptions(timeout: .seconds(10))
    ) async throws -> [String] {
        var known = Set(pool.files.keys)
        var received: [ProtoFile] = []
        var missing: [String] = []
        try await exchange(over: channel, options: options, first: symbols.reversed().map(Request.fileContainingSymbol)) { request, response in
            switch (request, response) {
            case (.fileContainingSymbol(let symbol), .errorResponse(let error)) where error.errorCode == Int32(StatusCode.notFound.rawValue):
                missing.append(symbol)
                return []
            case (_, .fileDescriptorResponse(let descriptors)):
                var wanted: [Request] = []
                for bytes in descriptors.fileDescriptorProto {
                    let file = try DescriptorPool.file(serialized: bytes)
                    guard known.insert(file.name).inserted else { continue }
                    received.append(file)
                    wanted += file.dependencies.map(Request.fileByFilename)
                }
                // A dependency may have come with this or an earlier answer.
                return wanted.filter { request in
                    if case .fileByFilename(let name) = request { !known.contains(name) } else { true }
                }
            default:
                throw unexpected(response)
            }
        }
        for file in received { pool.add(file) }
        return missing
    }

    /// Sends `first`, then whatever each answer asks for next, one request per answer, over one
    /// stream; v1alpha when the server does not know v1. `answer` gets each request with its
    /// answer; an error answer it does not take ends the exchange with its status (`unexpected`).
    static func exchange(
        over channel: GRPCChannel, options: CallOptions, first: [Request], answer: (Request, Response) throws -> [Request]
    ) async throws {
        do {
            try await exchange(v1, channel, options, first, answer)
        } catch let error as RPCError where error.code == .unimplemented {
            do {
                try await exchange(v1alpha, channel, options, first, answer)
            } catch let error as RPCError where error.code == .unimplemented {
                throw RPCError(code: .unimplemented, message: "the server offers no reflection service (neither grpc.reflection.v1 nor v1alpha)")
            }
        }
    }

    private static func exchange(
        _ method: MethodDescriptor, _ channel: GRPCChannel, _ options: CallOptions, _ first: [Request],
        _ answer: (Request, Response) throws -> [Request]
    ) async throws {
        try await channel.bidirectionalStreaming(
            method, responseType: Grpc_Reflection_V1_ServerReflectionResponse.self, options: options
        ) { (requests: RequestStreamWriter<Grpc_Reflection_V1_ServerReflectionRequest>, responses) in
            var iterator = responses.makeAsyncIterator()
            var pending = first
            while let next = pending.popLast() {
                var request = Grpc_Reflection_V1_ServerReflectionRequest()
                request.messageRequest = next
                try await requests.write(request)
                guard let response = try await iterator.next() else {
                    throw RPCError(code: .unavailable, message: "reflection: the stream ended early")
                }
                guard let body = response.messageResponse else { throw RPCError(code: .internal, message: "reflection: an empty answer") }
                pending += try answer(next, body)
            }
            requests.finish()
            // Read to the server's end of stream: returning earlier would reset the stream (RST_STREAM).
            while try await iterator.next() != nil {}
        }
    }

    static func unexpected(_ response: Response) -> RPCError {
        if case .errorResponse(let error) = response {
            return RPCError(code: StatusCode(rawValue: Int(error.errorCode)), message: "reflection: \(error.errorMessage)")
        }
        return RPCError(code: .internal, message: "reflection: unexpected answer \(response)")
    }
}
