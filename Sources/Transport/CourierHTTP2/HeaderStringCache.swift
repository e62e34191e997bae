#if canImport(Glibc)
import Glibc
#endif

/// The header names and values a connection keeps receiving, as shared Strings: a gRPC client sends
/// the same `:path`, `content-type` and `user-agent` on every call, and each of them is too long
/// for Swift's inline small strings (over 15 UTF-8 bytes), so building it afresh cost an
/// allocation and a UTF-8 validation per field per request.
///
/// Bounded: a few fixed entries plus a small ring of recent ones, compared by length first. A
/// peer that sends a new value every time only turns the ring over; it cannot grow it.
struct HeaderStringCache {
    private struct Entry {
        let bytes: [UInt8]
        let string: String

        /// Length first, then memcmp (a generic `elementsEqual` walked the bytes one at a time).
        func matches(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
            bytes.count == buffer.count && bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, buffer.baseAddress!, buffer.count) == 0 }
        }
    }

    /// Values on nearly every gRPC request or response, whatever the peer.
    private static let fixed: [Entry] = ["application/grpc", "application/grpc+proto", "grpc-accept-encoding", "identity,deflate,gzip"]
        .map { Entry(bytes: Array($0.utf8), string: $0) }
    static let ringSize = 8
    /// Longer values are rare and never repeat exactly enough to pay for comparing them.
    static let maxCachedLength = 128

    private var ring: [Entry] = []
    private var next = 0

    /// The String for these bytes (UTF-8; invalid sequences repaired as `String(decoding:)` does).
    mutating func string(_ buffer: UnsafeBufferPointer<UInt8>) -> String {
        guard buffer.count > 15, buffer.count <= Self.maxCachedLength else { return String(decoding: buffer, as: UTF8.self) }
        for entry in Self.fixed where entry.matches(buffer) { return entry.string }
        for entry in ring where entry.matches(buffer) { return entry.string }
        let entry = Entry(bytes: Array(buffer), string: String(decoding: buffer, as: UTF8.self))
        if ring.count < Self.ringSize {
            ring.append(entry)
        } else {
            ring[next] = entry
            next = (next + 1) % Self.ringSize
        }
        return entry.string
    }
}
