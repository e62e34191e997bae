import CNGHTTP2

/// Builds nghttp2's `nghttp2_nv` array for a header list. nghttp2 copies names and values during
/// the submit call, so the bytes only need to live for the closure: they go in temporary
/// (usually stack) memory, not three heap arrays per header block.
enum HTTP2HeaderBlock {
    static func withNV<R>(_ headers: [HTTP2Header], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        let byteCount = headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        return withUnsafeTemporaryAllocation(byteCount: max(1, byteCount), alignment: 1) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(1, headers.count)) { fields in
                var offset = 0
                for (index, header) in headers.enumerated() {
                    let name = bytes.baseAddress! + offset
                    offset += UnsafeMutableRawBufferPointer(rebasing: bytes[offset...]).copyBytes(from: header.name.utf8)
                    let value = bytes.baseAddress! + offset
                    offset += UnsafeMutableRawBufferPointer(rebasing: bytes[offset...]).copyBytes(from: header.value.utf8)
                    fields.initializeElement(
                        at: index,
                        to: nghttp2_nv(
                            name: name.assumingMemoryBound(to: UInt8.self), value: value.assumingMemoryBound(to: UInt8.self),
                            namelen: header.name.utf8.count, valuelen: header.value.utf8.count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                }
                defer { fields.baseAddress!.deinitialize(count: headers.count) }
                return body(fields.baseAddress!, headers.count)
            }
        }
    }
}
