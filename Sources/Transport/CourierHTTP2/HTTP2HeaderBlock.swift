import CNGHTTP2

/// Builds nghttp2's `nghttp2_nv` array for a header list: names and values copied side by side
/// into one byte buffer, each field pointing into it.
enum HTTP2HeaderBlock {
    /// For one submit call: `fixed`'s fields, if any (not copied: nghttp2 keeps pointers to them,
    /// so the list must outlive the frame), then `headers`. nghttp2 copies those while submitting,
    /// so their bytes only need to live for the closure and go in temporary (usually stack)
    /// memory, not on the heap.
    static func withNV<R>(fixed: HTTP2HeaderList? = nil, _ headers: [HTTP2Header], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        let fixedCount = fixed?.count ?? 0
        let total = fixedCount + headers.count
        return withUnsafeTemporaryAllocation(byteCount: byteCount(headers), alignment: 1) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(1, total)) { fields in
                if let fixed { _ = fields.initialize(fromContentsOf: fixed.fields) }
                pack(headers, into: bytes, fields: UnsafeMutableBufferPointer(rebasing: fields[fixedCount...]),
                     flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                return body(fields.baseAddress!, total)
            }
        }
    }

    /// The bytes `pack` needs for `headers` (at least one, so the buffer is never empty).
    static func byteCount(_ headers: [HTTP2Header]) -> Int {
        max(1, headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count })
    }

    /// Copies every name and value into `bytes` (`byteCount(headers)` long) and sets `fields`
    /// (room for `headers.count`) to point at them, each with `flags`.
    static func pack(
        _ headers: [HTTP2Header], into bytes: UnsafeMutableRawBufferPointer, fields: UnsafeMutableBufferPointer<nghttp2_nv>, flags: UInt8
    ) {
        var offset = 0
        func copy(_ text: String) -> (UnsafeMutablePointer<UInt8>, Int) {
            let start = (bytes.baseAddress! + offset).assumingMemoryBound(to: UInt8.self)
            var text = text
            let count = text.withUTF8 { utf8 in
                UnsafeMutableRawBufferPointer(rebasing: bytes[offset...]).copyMemory(from: UnsafeRawBufferPointer(utf8))
                return utf8.count
            }
            offset += count
            return (start, count)
        }
        for (index, header) in headers.enumerated() {
            let (name, nameLength) = copy(header.name)
            let (value, valueLength) = copy(header.value)
            fields[index] = nghttp2_nv(name: name, value: value, namelen: nameLength, valuelen: valueLength, flags: flags)
        }
    }
}
