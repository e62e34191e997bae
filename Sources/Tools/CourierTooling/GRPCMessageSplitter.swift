/// Splits bytes into gRPC's length-prefixed messages (1 byte compressed flag, 4 bytes big-endian
/// length, the body), keeping the flag: tools show what arrived, compressed or not, where the call
/// layer's deframer refuses what it cannot use.
public enum GRPCMessageSplitter {
    public struct Message: Sendable, Equatable {
        public var compressed: UInt8
        public var body: [UInt8]
    }

    /// The whole messages in `bytes`, and the bytes of an incomplete one after them (empty when
    /// `bytes` end on a message boundary).
    public static func split(_ bytes: [UInt8]) -> (messages: [Message], rest: ArraySlice<UInt8>) {
        var messages: [Message] = []
        var rest = bytes[...]
        while let length = declaredLength(rest), rest.count - 5 >= length {
            let start = rest.startIndex
            messages.append(Message(compressed: rest[start], body: Array(rest[(start + 5)..<(start + 5 + length)])))
            rest = rest[(start + 5 + length)...]
        }
        return (messages, rest)
    }

    /// The length a message prefix at the start of `bytes` declares; nil before 5 bytes.
    public static func declaredLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 5 else { return nil }
        let start = bytes.startIndex
        return Int(bytes[start + 1]) << 24 | Int(bytes[start + 2]) << 16 | Int(bytes[start + 3]) << 8 | Int(bytes[start + 4])
    }
}
