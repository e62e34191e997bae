import CNGHTTP2

/// A header list encoded once into nghttp2's form and reused for every response that sends it
/// (`:status: 200` with `content-type: application/grpc`; `grpc-status: 0`). nghttp2 is told not
/// to copy it (the NO_COPY flags), so submitting it allocates nothing.
///
/// Immutable; its memory lives as long as the object, so keep it in a `static let`.
public final class HTTP2HeaderList: @unchecked Sendable {
    // @unchecked: the storage is written once in init and only read after.
    let fields: UnsafeMutableBufferPointer<nghttp2_nv>
    private let bytes: UnsafeMutableRawBufferPointer
    public let headers: [HTTP2Header]

    public init(_ headers: [HTTP2Header]) {
        self.headers = headers
        let total = headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, total), alignment: 1)
        fields = UnsafeMutableBufferPointer.allocate(capacity: max(1, headers.count))
        var offset = 0
        let flags = UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue)
        for (i, header) in headers.enumerated() {
            let name = bytes.baseAddress! + offset
            offset += UnsafeMutableRawBufferPointer(rebasing: bytes[offset...]).copyBytes(from: header.name.utf8)
            let value = bytes.baseAddress! + offset
            offset += UnsafeMutableRawBufferPointer(rebasing: bytes[offset...]).copyBytes(from: header.value.utf8)
            fields[i] = nghttp2_nv(
                name: name.assumingMemoryBound(to: UInt8.self), value: value.assumingMemoryBound(to: UInt8.self),
                namelen: header.name.utf8.count, valuelen: header.value.utf8.count, flags: flags)
        }
    }

    deinit {
        fields.deallocate()
        bytes.deallocate()
    }

    var count: Int { headers.count }
}

extension UnsafeMutableRawBufferPointer {
    /// Copies `source` to the start of this buffer; returns the bytes copied.
    func copyBytes(from source: String.UTF8View) -> Int {
        var count = 0
        for byte in source {
            self[count] = byte
            count += 1
        }
        return count
    }
}
