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
    /// The fields, in order.
    public let headers: [HTTP2Header]

    /// Encodes `headers` once, for every use after.
    public init(_ headers: [HTTP2Header]) {
        self.headers = headers
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: HTTP2HeaderBlock.byteCount(headers), alignment: 1)
        fields = UnsafeMutableBufferPointer.allocate(capacity: max(1, headers.count))
        HTTP2HeaderBlock.pack(
            headers, into: bytes, fields: fields,
            flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue))
    }

    deinit {
        fields.deallocate()
        bytes.deallocate()
    }

    var count: Int { headers.count }
}
