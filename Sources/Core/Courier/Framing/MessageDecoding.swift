import CourierProtobuf
import NIOCore

/// Decodes a received message; bytes that are not a valid message end the call with INTERNAL,
/// as gRPC implementations do for an unparseable request or response. A field whose value is
/// refused (a string that is not UTF-8 or holds a NUL) ends it with `invalidFieldCode`:
/// INVALID_ARGUMENT for a request (the caller's mistake, naming the field), INTERNAL for a response.
@inlinable
func decodeMessage<M: ProtobufMessage>(_ type: M.Type, _ bytes: ByteBuffer, receiving what: String,
                                       invalidFieldCode: StatusCode = .internal) throws(RPCError) -> M {
    // Typed throws all the way down, with no Result<M, _> in between: where this runs
    // unspecialised (M is known only to the generated code) each Result<M, _> costs a metadata lookup.
    do throws(ProtobufDecodingError) {
        return try bytes.withUnsafeReadableBytes { raw throws(ProtobufDecodingError) in try M(serializedBytes: raw) }
    } catch {
        throw RPCError(code: error.isInvalidFieldValue ? invalidFieldCode : .internal, message: "could not decode the \(what): \(error)")
    }
}
