import CZlib
import Synchronization

/// One zlib stream, compressing or decompressing, with its state where zlib needs it: on the
/// heap, at an address that never moves (zlib's internal state points back at it). Owns the
/// stream: `deinit` ends it, and nothing else does.
final class ZlibStream: @unchecked Sendable {  // used by one thread at a time: taken from a pool, then given back
    let pointer: UnsafeMutablePointer<z_stream>
    let compresses: Bool

    /// A stream for `algorithm` (not identity); nil if zlib could not set one up (out of memory).
    init?(_ algorithm: CompressionAlgorithm, compresses: Bool) {
        // 15: a 32 KiB window, zlib's format; +16: gzip's header and trailer instead.
        let windowBits: Int32 = algorithm == .gzip ? 15 + 16 : 15
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: z_stream())
        self.compresses = compresses
        let status = compresses
            ? courier_deflate_init(pointer, Z_DEFAULT_COMPRESSION, windowBits)
            : courier_inflate_init(pointer, windowBits)
        guard status == Z_OK else {
            pointer.deinitialize(count: 1)
            pointer.deallocate()
            return nil
        }
    }

    /// Ready for the next message, keeping the memory zlib set up.
    func reset() {
        _ = compresses ? deflateReset(pointer) : inflateReset(pointer)
    }

    deinit {
        _ = compresses ? deflateEnd(pointer) : inflateEnd(pointer)
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}

/// zlib streams kept for the next message: setting one up costs far more than resetting it
/// (a compressor's window and hash tables are about 256 KiB), and most messages are small.
final class ZlibStreamPool: Sendable {
    private let algorithm: CompressionAlgorithm
    private let compresses: Bool
    private let idle = Mutex<[ZlibStream]>([])
    /// Streams kept idle at most; more in use at once are set up and ended per message.
    private static let keep = 8

    init(_ algorithm: CompressionAlgorithm, compresses: Bool) {
        self.algorithm = algorithm
        self.compresses = compresses
    }

    /// Runs `body` with a stream of this pool's kind, reset for the next user afterwards.
    func with<Result>(_ body: (ZlibStream) throws(RPCError) -> Result) throws(RPCError) -> Result {
        let stream: ZlibStream
        if let kept = idle.withLock({ $0.popLast() }) {
            stream = kept
        } else if let made = ZlibStream(algorithm, compresses: compresses) {
            stream = made
        } else {
            throw RPCError(code: .resourceExhausted, message: "zlib could not set up a \(algorithm) stream (out of memory)")
        }
        defer {
            stream.reset()
            idle.withLock { streams in
                if streams.count < Self.keep { streams.append(stream) }
            }
        }
        return try body(stream)
    }
}
