import CourierHTTP2

/// The header blocks a gRPC server answers with (PROTOCOL-HTTP2.md, "Responses").
enum ServerResponseFields {
    /// The response headers and OK trailers of nearly every call, encoded once.
    static let okHeaders = HTTP2HeaderList([HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc")])
    static let okTrailers = HTTP2HeaderList([HTTP2Header("grpc-status", "0")])
    /// The response headers of a call whose responses are compressed, by algorithm, encoded once.
    private static let compressedHeaders: [HTTP2HeaderList] = CompressionAlgorithm.supported.map { algorithm in
        HTTP2HeaderList(okHeaders.headers + (algorithm.compresses ? [HTTP2Header("grpc-encoding", algorithm.name)] : []))
    }

    /// The response headers with no initial metadata, for responses in `compression`.
    static func okHeaders(_ compression: CompressionAlgorithm) -> HTTP2HeaderList {
        compression.compresses ? compressedHeaders[Int(compression.kind.rawValue)] : okHeaders
    }

    /// `:status` 200, the content type and the response encoding, then the handler's initial metadata.
    static func headers(_ initialMetadata: Metadata, compression: CompressionAlgorithm = .identity) -> [HTTP2Header] {
        var headers = okHeaders(compression).headers
        initialMetadata.appendHeaders(to: &headers)
        return headers
    }

    /// grpc-status, grpc-message (percent-encoded, when there is one) and trailing metadata.
    static func status(_ status: RPCError?, _ trailingMetadata: Metadata) -> [HTTP2Header] {
        var fields = [HTTP2Header("grpc-status", String(status?.code.rawValue ?? 0))]
        if let message = status?.message, !message.isEmpty {
            fields.append(HTTP2Header("grpc-message", StatusMessageEncoding.encode(message)))
        }
        trailingMetadata.appendHeaders(to: &fields)
        return fields
    }

    /// A refusal before any handler ran: the HTTP status, the content type and the status fields
    /// in one block (Trailers-Only); UNIMPLEMENTED also says which encodings we accept.
    static func rejection(httpStatus: Int, _ error: RPCError) -> [HTTP2Header] {
        var headers = [HTTP2Header(":status", String(httpStatus)), HTTP2Header("content-type", "application/grpc")]
        headers += status(error, error.metadata)
        if error.code == .unimplemented { headers.append(HTTP2Header("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingValue)) }
        return headers
    }
}
