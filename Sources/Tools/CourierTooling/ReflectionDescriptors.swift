import Courier
import CourierProtos
import CourierSchema

/// Descriptors fetched from a server's reflection service (grpc.reflection.v1, falling back to
/// v1alpha, whose messages are the same on the wire): the file defining a symbol and every file
/// it imports, so requests can be built from JSON with no .proto at hand.
public enum ReflectionDescriptors {
    static let v1 = MethodDescriptor(service: "grpc.reflection.v1.ServerReflection", method: "ServerReflectionInfo", kind: .bidirectionalStreaming)
    static let v1alpha = MethodDescriptor(service: "grpc.reflection.v1alpha.ServerReflection", method: "ServerReflectionInfo", kind: .bidirectionalStreaming)

    /// Adds to `pool` the file that defines `symbol` (e.g. a service's full name) and its imports.
    public static func load(symbol: String, over channel: GRPCChannel, into pool: inout DescriptorPool, options: CallOptions = CallOptions(timeout: .seconds(10))) async throws {
        do {
            try await load(symbol: symbol, method: v1, channel: channel, pool: &pool, options: options)
        } catch let error as RPCError where error.code == .unimplemented {
            try await load(symbol: symbol, method: v1alpha, channel: channel, pool: &pool, options: options)
        }
    }

    private static func load(symbol: String, method: MethodDescriptor, channel: GRPCChannel, pool: inout DescriptorPool, options: CallOptions) async throws {
        let files: [ProtoFile] = try await channel.bidirectionalStreaming(
            method, responseType: Grpc_Reflection_V1_ServerReflectionResponse.self, options: options
        ) { requests, responses in
            var received: [ProtoFile] = []
            var known = Set<String>()
            var wanted: [Grpc_Reflection_V1_ServerReflectionRequest.OneOf_MessageRequest] = [.fileContainingSymbol(symbol)]
            var iterator = responses.makeAsyncIterator()
            while let next = wanted.popLast() {
                var request = Grpc_Reflection_V1_ServerReflectionRequest()
                request.messageRequest = next
                try await requests.write(request)
                guard let response = try await iterator.next() else {
                    throw RPCError(code: .unavailable, message: "reflection: the stream ended early")
                }
                switch response.messageResponse {
                case .fileDescriptorResponse(let descriptors)?:
                    for bytes in descriptors.fileDescriptorProto {
                        let file = try DescriptorPool.file(serialized: bytes)
                        guard known.insert(file.name).inserted else { continue }
                        received.append(file)
                        for dependency in file.dependencies where !known.contains(dependency) {
                            wanted.append(.fileByFilename(dependency))
                        }
                    }
                case .errorResponse(let error)?:
                    throw RPCError(code: StatusCode(rawValue: Int(error.errorCode)), message: "reflection: \(error.errorMessage)")
                default:
                    throw RPCError(code: .internal, message: "reflection: unexpected answer")
                }
                // A dependency may have come with an earlier answer.
                wanted.removeAll { request in
                    if case .fileByFilename(let name) = request { return known.contains(name) } else { return false }
                }
            }
            requests.finish()
            // Read to the server's end of stream: returning earlier would reset the stream (RST_STREAM).
            while try await iterator.next() != nil {}
            return received
        }
        for file in files { pool.add(file) }
    }
}
