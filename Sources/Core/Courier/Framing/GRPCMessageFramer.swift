import CourierProtobuf
import NIOCore

/// Writes gRPC's Length-Prefixed-Message (PROTOCOL-HTTP2.md): a compressed flag byte, a 4-byte
/// big-endian length, then the message, compressed when the call's encoding compresses.
@usableFromInline
enum GRPCMessageFramer {
    /// Encodes `message` straight into a new buffer with its prefix; protobuf-c packs in place.
    /// With a compressing `compression`, the message is packed into scratch memory and compressed
    /// into the buffer. The send limit applies to the message before compression.
    @inlinable
    static func frame<M: ProtobufMessage>(
        _ message: M, allocator: ByteBufferAllocator, maxSize: Int, compression: CompressionAlgorithm = .identity
    ) throws -> ByteBuffer {
        try message.withPackedMessage { packed in
            let size = packed.size
            guard size <= maxSize else {
                throw RPCError(code: .resourceExhausted, message: "message of \(size) bytes exceeds the send limit of \(maxSize)")
            }
            if compression.compresses {
                return try withUnsafeTemporaryAllocation(byteCount: max(size, 1), alignment: 1) { scratch in
                    let count = size == 0 ? 0 : packed.pack(into: scratch.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    return try compressed(UnsafeRawBufferPointer(rebasing: scratch[..<count]), with: compression, allocator: allocator)
                }
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

    /// Frames bytes that are already an encoded message.
    static func frame(
        encoded bytes: [UInt8], allocator: ByteBufferAllocator, maxSize: Int, compression: CompressionAlgorithm = .identity
    ) throws -> ByteBuffer {
        guard bytes.count <= maxSize else {
            throw RPCError(code: .resourceExhausted, message: "message of \(bytes.count) bytes exceeds the send limit of \(maxSize)")
        }
        if compression.compresses {
            return try bytes.withUnsafeBytes { raw in try compressed(raw, with: compression, allocator: allocator) }
        }
        var buffer = allocator.buffer(capacity: 5 + bytes.count)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }

    /// `bytes` compressed with `algorithm`, after a prefix with the compressed flag set.
    @usableFromInline
    static func compressed(_ bytes: UnsafeRawBufferPointer, with algorithm: CompressionAlgorithm, allocator: ByteBufferAllocator) throws(RPCError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 5 + bytes.count / 2 + 64)
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(UInt32(0))  // the length, once known
        try MessageCompression.compress(bytes, with: algorithm, appendingTo: &buffer)
        buffer.setInteger(UInt32(buffer.readableBytes - 5), at: buffer.readerIndex + 1)
        return buffer
    }
}

/// A message as received: its bytes (decompressed) and whether it came compressed.
struct ReceivedMessage: Sendable, Equatable {
    var bytes: ByteBuffer
    /// The sender set the compressed flag (the bytes have been decompressed since).
    var compressed = false
}

/// Splits received DATA bytes into gRPC messages, enforcing the receive limit before buffering
/// and decompressing the messages sent compressed with the call's `decompression`.
///
/// A message that arrives whole in one chunk is copied once, into a buffer of its exact size;
/// only a message split across chunks is assembled in a pending buffer.
struct GRPCMessageDeframer {
    let maxMessageSize: Int
    private let allocator: ByteBufferAllocator
    /// The encoding the peer named in `grpc-encoding` (identity when it named none): how
    /// messages with the compressed flag are decompressed.
    var decompression = CompressionAlgorithm.identity

    private enum State {
        case idle
        /// Fewer than 5 prefix bytes so far.
        case prefix(ByteBuffer)
        /// Assembling a message body; `remaining` bytes still to come.
        case body(ByteBuffer, remaining: Int, compressed: Bool)
    }
    private var state = State.idle
    /// Bytes copied into message buffers so far, counting the earlier bytes of a partial message
    /// again whenever its buffer moved (a copy-on-write or a regrowth): the proof that assembling a
    /// message stays linear in its size, however it was split (tests read it; it costs a compare).
    private(set) var bytesCopied = 0

    init(maxMessageSize: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.maxMessageSize = maxMessageSize
        self.allocator = allocator
    }

    /// True when bytes of a message that has not fully arrived are held.
    var hasPartialMessage: Bool {
        if case .idle = state { return false }
        return true
    }

    /// For a call that takes one message: consumes `bytes`, keeping the first message completed
    /// so far in `first` and counting every message in `count` (more than one breaks the rule).
    mutating func append(_ bytes: UnsafeRawBufferPointer, keepingFirstIn first: inout ReceivedMessage?, count: inout Int) throws(RPCError) {
        var kept = first
        var seen = count
        try append(bytes) { message in
            seen += 1
            if kept == nil { kept = message }
        }
        first = kept
        count = seen
    }

    /// Consumes `bytes`, handing each message they complete to `deliver`, in order.
    mutating func append(_ bytes: UnsafeRawBufferPointer, _ deliver: (ReceivedMessage) -> Void) throws(RPCError) {
        var offset = 0
        while offset < bytes.count {
            switch state {
            case .idle:
                let available = bytes.count - offset
                guard available >= 5 else {
                    var prefix = allocator.buffer(capacity: 5)
                    prefix.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                    state = .prefix(prefix)
                    return
                }
                let (length, compressed) = try messagePrefix(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3], bytes[offset + 4])
                offset += 5
                let take = min(length, bytes.count - offset)
                var message = allocator.buffer(capacity: length)
                message.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
                bytesCopied += take
                offset += take
                if take == length {
                    deliver(try complete(message, compressed: compressed))
                } else {
                    state = .body(message, remaining: length - take, compressed: compressed)
                }
            case .prefix(var prefix):
                state = .idle  // as for .body below: `prefix` the buffer's only reference; set again if incomplete
                let take = min(5 - prefix.readableBytes, bytes.count - offset)
                prefix.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
                offset += take
                guard prefix.readableBytes == 5 else {
                    state = .prefix(prefix)
                    return
                }
                let p = prefix.readBytes(length: 5)!
                let (length, compressed) = try messagePrefix(p[0], p[1], p[2], p[3], p[4])
                if length == 0 {
                    deliver(try complete(allocator.buffer(capacity: 0), compressed: compressed))
                } else {
                    state = .body(allocator.buffer(capacity: length), remaining: length, compressed: compressed)
                }
            case .body(var message, let remaining, let compressed):
                // `message` is the only reference once `state` lets go of it; without this, the
                // write below would copy the whole partial message (copy-on-write) for every chunk,
                // quadratic in the message size.
                state = .idle
                let take = min(remaining, bytes.count - offset)
                let storageBefore = message.storageAddress
                message.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
                bytesCopied += message.storageAddress == storageBefore ? take : message.readableBytes
                offset += take
                if take == remaining {
                    deliver(try complete(message, compressed: compressed))
                } else {
                    state = .body(message, remaining: remaining - take, compressed: compressed)
                }
            }
        }
    }

    /// A whole message as delivered: decompressed, within the limit, when it came compressed.
    private func complete(_ message: ByteBuffer, compressed: Bool) throws(RPCError) -> ReceivedMessage {
        guard compressed else { return ReceivedMessage(bytes: message) }
        let bytes = try MessageCompression.decompress(message, with: decompression, limit: maxMessageSize, allocator: allocator)
        return ReceivedMessage(bytes: bytes, compressed: true)
    }

    /// Reads a Length-Prefixed-Message prefix: refuses a compressed flag where no compressing
    /// encoding was named, an unknown flag, and lengths over the limit.
    private func messagePrefix(_ flag: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8) throws(RPCError) -> (length: Int, compressed: Bool) {
        switch flag {
        case 0: break
        case 1:
            guard decompression.compresses else {
                throw RPCError(code: .internal, message: "received a compressed message but grpc-encoding names no compression")
            }
        default:
            throw RPCError(code: .internal, message: "received a message with compressed flag \(flag) (only 0 and 1 are defined)")
        }
        let length = Int(b1) << 24 | Int(b2) << 16 | Int(b3) << 8 | Int(b4)
        guard length <= maxMessageSize else {
            throw RPCError(code: .resourceExhausted, message: "received a message of \(length) bytes, larger than the limit of \(maxMessageSize)")
        }
        return (length, flag == 1)
    }
}

private extension ByteBuffer {
    /// Where the buffer's storage starts: it changes only when the bytes were moved to new storage.
    var storageAddress: UnsafeRawPointer? { withVeryUnsafeBytes { $0.baseAddress } }
}
