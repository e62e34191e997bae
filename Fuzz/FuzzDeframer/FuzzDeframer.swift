// libFuzzer target: the gRPC length-prefixed message deframer, fed the input in chunks whose
// sizes come from the input itself (so every split into DATA frames is explored). It must deliver
// messages or throw RPCError; never crash, and never deliver more bytes than it was given.
import FuzzDriver
@testable import Courier
import NIOCore

func deframe(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 1 else { return }
    var deframer = GRPCMessageDeframer(maxMessageSize: 1 << 16)
    let step = Int(bytes[0]) + 1
    var offset = 1
    var delivered = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        do {
            try deframer.append(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) { delivered += $0.readableBytes }
        } catch {
            return
        }
        offset = end
    }
    precondition(delivered <= bytes.count, "delivered more bytes than were received")
}

@main
struct FuzzDeframer {
    static func main() {
        fuzzMain("deframer") { data, size in
            guard let data else { return 0 }
            deframe(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
}
