@testable import CourierHTTP2
import Testing

/// The per-connection cache of received header strings: same text, shared storage, bounded.
@Suite("Header string cache")
struct HeaderStringCacheTests {
    static func string(_ cache: inout HeaderStringCache, _ text: [UInt8]) -> String {
        text.withUnsafeBufferPointer { cache.string($0) }
    }

    @Test("a repeated long value comes back as the same text, from one shared storage")
    func repeatedValueIsShared() {
        var cache = HeaderStringCache()
        let path = Array("/grpc.testing.BenchmarkService/UnaryCall".utf8)
        let first = Self.string(&cache, path)
        let second = Self.string(&cache, path)
        #expect(first == "/grpc.testing.BenchmarkService/UnaryCall")
        #expect(second == first)
        let storage = { (s: String) in s.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil }
        #expect(storage(first) != nil && storage(first) == storage(second), "the second lookup built a new string")
    }

    @Test("values differing in one byte, invalid UTF-8 and over-long values are never confused")
    func distinctValues() {
        var cache = HeaderStringCache()
        let a = Array("x-request-id-0000000001".utf8), b = Array("x-request-id-0000000002".utf8)
        #expect(Self.string(&cache, a) == "x-request-id-0000000001")
        #expect(Self.string(&cache, b) == "x-request-id-0000000002")
        #expect(Self.string(&cache, a) == "x-request-id-0000000001")
        let invalid: [UInt8] = Array("0123456789abcdef".utf8) + [0xff, 0xfe]
        #expect(Self.string(&cache, invalid) == String(decoding: invalid, as: UTF8.self))
        let long = [UInt8](repeating: UInt8(ascii: "z"), count: HeaderStringCache.maxCachedLength + 1)
        #expect(Self.string(&cache, long) == String(repeating: "z", count: long.count))
    }

    @Test("a peer sending a new value every time turns the ring over: the newest ones still hit")
    func ringTurnsOver() {
        var cache = HeaderStringCache()
        let values = (0..<100).map { Array("a-value-that-changes-\($0)".utf8) }
        for value in values { _ = Self.string(&cache, value) }
        for value in values.suffix(HeaderStringCache.ringSize) {
            #expect(Self.string(&cache, value) == String(decoding: value, as: UTF8.self))
        }
    }
}
