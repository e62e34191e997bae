import CourierProtobuf
import NIOCore

/// Decodes a received message; bytes that are not a valid message end the call with INTERNAL,
/// as gRPC implementations do for an unparseable request or response.
func decodeMessage<M: ProtobufMessage>(_ type: M.Type, _ bytes: ByteBuffer, receiving what: String) throws(RPCError) -> M {
    let decoded: Result<M, ProtobufDecodingError> = bytes.withUnsafeReadableBytes { raw in
        do throws(ProtobufDecodingError) { return .success(try M(serializedBytes: raw)) } catch { return .failure(error) }
    }
    switch decoded {
    case .success(let message): return message
    case .failure(let error): throw RPCError(code: .internal, message: "could not decode the \(what): \(error)")
    }
}
