import CZlib
import NIOCore

/// Compresses and decompresses gRPC message bodies (gzip, deflate) with zlib. Decompression
/// stops at a limit: a small message that inflates past the receive limit (a zip bomb) fails
/// with RESOURCE_EXHAUSTED having used at most the limit's worth of memory.
enum MessageCompression {
    private static let compressors: [ZlibStreamPool] = CompressionAlgorithm.supported.map { ZlibStreamPool($0, compresses: true) }
    private static let decompressors: [ZlibStreamPool] = CompressionAlgorithm.supported.map { ZlibStreamPool($0, compresses: false) }

    /// Appends `input` compressed with `algorithm` (not identity) to `buffer`.
    static func compress(_ input: UnsafeRawBufferPointer, with algorithm: CompressionAlgorithm, appendingTo buffer: inout ByteBuffer) throws(RPCError) {
        try compressors[Int(algorithm.kind.rawValue)].with { (stream) throws(RPCError) in
            let z = stream.pointer
            // Room for the worst case, so one deflate call with Z_FINISH completes the message.
            let bound = Int(deflateBound(z, uLong(input.count)))
            var status: Int32 = Z_OK
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { out in
                z.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                z.pointee.avail_in = uInt(input.count)
                z.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                z.pointee.avail_out = uInt(out.count)
                status = deflate(z, Z_FINISH)
                return out.count - Int(z.pointee.avail_out)
            }
            guard status == Z_STREAM_END else {
                throw RPCError(code: .internal, message: "zlib failed to compress a message (\(status))")
            }
        }
    }

    /// `input` decompressed with `algorithm` (not identity), at most `limit` bytes of it.
    static func decompress(
        _ input: ByteBuffer, with algorithm: CompressionAlgorithm, limit: Int, allocator: ByteBufferAllocator
    ) throws(RPCError) -> ByteBuffer {
        try decompressors[Int(algorithm.kind.rawValue)].with { (stream) throws(RPCError) in
            // One byte past the limit tells a message of exactly `limit` bytes from a larger one.
            let ceiling = limit == Int.max ? limit : limit + 1
            var output = allocator.buffer(capacity: min(ceiling, max(256, input.readableBytes * 4)))
            let z = stream.pointer
            return try input.withUnsafeReadableBytes { (compressed) throws(RPCError) -> ByteBuffer in
                z.pointee.next_in = UnsafeMutablePointer(mutating: compressed.baseAddress?.assumingMemoryBound(to: Bytef.self))
                z.pointee.avail_in = uInt(compressed.count)
                while true {
                    if output.writableBytes == 0 {
                        output.reserveCapacity(min(ceiling, output.capacity * 2))
                    }
                    let room = min(output.writableBytes, ceiling - output.readableBytes)
                    var status: Int32 = Z_OK
                    output.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { out in
                        z.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                        z.pointee.avail_out = uInt(room)
                        status = inflate(z, Z_NO_FLUSH)
                        return room - Int(z.pointee.avail_out)
                    }
                    if output.readableBytes > limit {
                        throw RPCError(
                            code: .resourceExhausted,
                            message: "a \(algorithm) message of \(compressed.count) bytes decompresses past the limit of \(limit) bytes")
                    }
                    switch status {
                    case Z_STREAM_END:
                        return output
                    case Z_OK, Z_BUF_ERROR:
                        // Out of input with room left for output: the compressed bytes end early.
                        if z.pointee.avail_in == 0 && z.pointee.avail_out > 0 {
                            throw RPCError(code: .internal, message: "a \(algorithm) message ends before its compressed stream does (truncated)")
                        }
                    default:
                        let reason = z.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw RPCError(code: .internal, message: "a \(algorithm) message could not be decompressed: \(reason)")
                    }
                }
            }
        }
    }
}
