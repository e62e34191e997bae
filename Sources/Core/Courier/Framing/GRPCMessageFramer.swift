import CourierProtobuf
import NIOCore

/// Writes gRPC's Length-Prefixed-Message (PROTOCOL-HTTP2.md): a compressed flag byte, a 4-byte
/// big-endian length, then the message.
enum GRPCMessageFramer {
    /// Encodes `message` straight into a new buffer with its prefix; protobuf-c packs in place.
    static func frame<M: ProtobufMessage>(_ message: M, allocator: ByteBufferAllocator, maxSize: Int) throws -> ByteBuffer {
        try message.withPackedMessage { packed in
            let size = packed.size
            guard size <= maxSize else {
                throw RPCError(code: .resourceExhausted, message: "message of \(size) bytes exceeds the send limit of \(maxSize)")
            }
            var buffer = allocator.buffer(capacity: 5 + size)
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(size))
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
                size == 0 ? 0 : packed.pack(into: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            return buffer
        }
    }

    /// Frames bytes that are already encoded.
    static func frame(bytes: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 5 + bytes.count)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }
}

/// Splits received DATA bytes into gRPC messages, enforcing the receive limit before buffering.
struct GRPCMessageDeframer {
    let maxMessageSize: Int
    private var buffer = ByteBuffer()
    private var expected: Int?

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// True when bytes of a message that has not fully arrived are held.
    var hasPartialMessage: Bool { buffer.readableBytes > 0 || expected != nil }

    /// Appends bytes and returns every message they complete.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(RPCError) -> [ByteBuffer] {
        buffer.writeBytes(bytes)
        var messages: [ByteBuffer] = []
        while true {
            if expected == nil {
                guard buffer.readableBytes >= 5 else { break }
                let flag = buffer.readInteger(as: UInt8.self)!
                let length = Int(buffer.readInteger(as: UInt32.self)!)
                if flag != 0 {
                    // We advertise no compression, so a compressed message is a protocol error.
                    throw RPCError(code: .internal, message: "received a compressed message but no grpc-encoding was negotiated")
                }
                guard length <= maxMessageSize else {
                    throw RPCError(code: .resourceExhausted, message: "received a message of \(length) bytes, larger than the limit of \(maxMessageSize)")
                }
                expected = length
            }
            guard let length = expected, buffer.readableBytes >= length else { break }
            messages.append(buffer.readSlice(length: length)!)
            expected = nil
        }
        if buffer.readableBytes == 0 { buffer.clear() } else if buffer.readerIndex > 65536 { buffer.discardReadBytes() }
        return messages
    }
}
