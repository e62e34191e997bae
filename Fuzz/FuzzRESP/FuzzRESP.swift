// libFuzzer target: the RESP reader (hiredis's parser under RecoRedis), fed the input in chunks
// whose size comes from the first byte, as replies arrive split across socket reads. It must hand
// out replies or throw RedisError; never crash, never hand out more bulk bytes than it was given.
import FuzzDriver
// Internal types, so only in the fuzzing build (a debug build: a release build cannot import
// them @testable, and the target does nothing there but say how to run it).
#if FUZZING
@testable import RecoRedis

func bulkBytes(_ value: RESPValue) -> Int {
    switch value {
    case .bulkString(let bytes): bytes.count
    // Decoded as UTF-8 with each invalid byte replaced by U+FFFD (three bytes): count scalars.
    case .simpleString(let text), .error(let text): text.unicodeScalars.count
    case .array(let elements): elements.reduce(0) { $0 + bulkBytes($1) }
    case .integer, .null: 0
    }
}

func read(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 1 else { return }
    let reader = RESPReader()
    let step = Int(bytes[0]) + 1
    var offset = 1
    var handedOut = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        do {
            try reader.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            while let value = try reader.next() { handedOut += bulkBytes(value) }
        } catch {
            return
        }
        offset = end
    }
    precondition(handedOut <= bytes.count, "handed out more bytes than were received")
}

#endif

@main
struct FuzzRESP {
    static func main() {
        fuzzMain("resp") { data, size in
            guard let data else { return 0 }
            #if FUZZING
            read(UnsafeRawBufferPointer(start: data, count: size))
            #endif
            return 0
        }
    }
}
