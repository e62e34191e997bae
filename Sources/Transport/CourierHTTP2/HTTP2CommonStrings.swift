/// Header names and values that arrive on nearly every gRPC request and are too long for Swift's
/// inline small strings (over 15 UTF-8 bytes): one shared String each instead of one allocation
/// per request.
enum HTTP2CommonStrings {
    private static let common: [String] = ["application/grpc", "application/grpc+proto", "grpc-accept-encoding", "identity,deflate,gzip"]
    private static let bytes: [[UInt8]] = common.map { Array($0.utf8) }

    static func string(_ buffer: UnsafeBufferPointer<UInt8>) -> String {
        if buffer.count > 15 {
            for (i, candidate) in bytes.enumerated() where candidate.count == buffer.count && candidate.elementsEqual(buffer) {
                return common[i]
            }
        }
        return String(decoding: buffer, as: UTF8.self)
    }
}
