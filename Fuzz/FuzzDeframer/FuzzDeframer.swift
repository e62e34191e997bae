// libFuzzer target: the gRPC length-prefixed message deframer, fed the input in chunks whose
// sizes come from the input itself (so every split into DATA frames is explored), reading
// compressed messages as gzip or deflate when the first byte says so. It must deliver messages or
// throw RPCError; never crash, never deliver a message over the limit, and never deliver more
// bytes than it was given unless they came compressed.
import FuzzDriver
// Internal types, so only in the fuzzing build (a debug build: a release build cannot import
// them @testable, and the target does nothing there but say how to run it).
#if FUZZING
@testable import Courier
import NIOCore

func deframe(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 1 else { return }
    let limit = 1 << 16
    var deframer = GRPCMessageDeframer(maxMessageSize: limit)
    deframer.decompression = CompressionAlgorithm.supported[Int(bytes[0] >> 6) % CompressionAlgorithm.supported.count]
    let step = Int(bytes[0] & 0x3f) + 1
    var offset = 1
    var delivered = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        do {
            try deframer.append(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) { message in
                precondition(message.bytes.readableBytes <= limit, "delivered a message over the limit")
                if !message.compressed { delivered += message.bytes.readableBytes }
            }
        } catch {
            return
        }
        offset = end
    }
    precondition(delivered <= bytes.count, "delivered more bytes than were received")
}

#endif

@main
struct FuzzDeframer {
    static func main() {
        fuzzMain("deframer") { data, size in
            guard let data else { return 0 }
            #if FUZZING
            deframe(UnsafeRawBufferPointer(start: data, count: size))
            #endif
            return 0
        }
    }
}
