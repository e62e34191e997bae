import CHiredis
import CRedisReader

/// hiredis's RESP reader: parses replies out of bytes fed in any pieces, without doing I/O (SwiftNIO
/// does that), as nghttp2 does for HTTP/2. Owns its `redisReader`; each reply object it hands out is
/// copied into a `RESPValue` and freed at once. Confined to one event loop.
final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() {
        // Fails only when malloc does. Array replies are bounded (COURIER_REDIS_MAX_ELEMENTS).
        reader = courier_redis_reader_create()!
    }

    deinit { redisReaderFree(reader) }

    /// Hands bytes to the parser.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        guard let base = bytes.baseAddress else { return }
        guard redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK else {
            throw protocolError()
        }
    }

    /// The next complete reply, or nil when the bytes fed so far end inside one.
    func next() throws(RedisError) -> RESPValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &reply) == REDIS_OK else { throw protocolError() }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        return Self.value(of: reply.assumingMemoryBound(to: redisReply.self))
    }

    private func protocolError() -> RedisError {
        let message = withUnsafeBytes(of: &reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return .protocolViolation(message.isEmpty ? "unparsable reply" : message)
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let node = reply.pointee
        func text() -> [UInt8] {
            guard let str = node.str else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: node.len))
        }
        switch node.type {
        case REDIS_REPLY_STRING: return .bulkString(text())
        case REDIS_REPLY_STATUS: return .simpleString(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(Int64(node.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<node.elements).map { value(of: node.element[$0]!) })
        default: return .null
        }
    }
}
