import CNGHTTP2

/// Builds nghttp2's `nghttp2_nv` array for a header list. nghttp2 copies names and values during
/// the submit call, so the bytes only need to live for the closure.
enum HTTP2HeaderBlock {
    static func withNV<R>(_ headers: [HTTP2Header], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        var storage: [UInt8] = []
        storage.reserveCapacity(headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count })
        var ranges: [(name: Range<Int>, value: Range<Int>)] = []
        ranges.reserveCapacity(headers.count)
        for header in headers {
            let nameStart = storage.count
            storage.append(contentsOf: header.name.utf8)
            let valueStart = storage.count
            storage.append(contentsOf: header.value.utf8)
            ranges.append((nameStart..<valueStart, valueStart..<storage.count))
        }
        if storage.isEmpty { storage.append(0) }
        return storage.withUnsafeMutableBufferPointer { bytes in
            let base = bytes.baseAddress!
            let nva = ranges.map { range in
                nghttp2_nv(
                    name: base + range.name.lowerBound, value: base + range.value.lowerBound,
                    namelen: range.name.count, valuelen: range.value.count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            var none = nghttp2_nv()
            return nva.withUnsafeBufferPointer { list in
                list.baseAddress.map { body($0, list.count) } ?? withUnsafePointer(to: &none) { body($0, 0) }
            }
        }
    }
}
