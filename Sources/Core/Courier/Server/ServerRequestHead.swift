import CourierHTTP2
import NIOCore

/// What a gRPC request's headers say, checked against PROTOCOL-HTTP2.md's rules for a server:
/// POST, a Content-Type starting with `application/grpc` (else HTTP 415), an encoding we can read
/// (else UNIMPLEMENTED naming those we can),
/// a well-formed `grpc-timeout`. Pure: routing and overload protection come after, in the server.
struct ServerRequestHead: Equatable {
    /// The `:path`, e.g. `/grpc.testing.TestService/UnaryCall`.
    var path: String
    /// From `grpc-timeout`; nil when the client set none.
    var timeout: TimeAmount?
    /// `x-courier-criticality: critical` (AdmissionControl lets such calls in first).
    var critical: Bool
    /// What the request messages are compressed with (`grpc-encoding`).
    var encoding = CompressionAlgorithm.identity
    /// What the client can read (`grpc-accept-encoding`).
    var acceptedEncodings = AcceptedEncodings.identityOnly

    /// Why a request is refused before it is routed: the HTTP status to answer with and the gRPC
    /// status inside it.
    struct Rejection: Error, Equatable {
        var httpStatus: Int
        var error: RPCError
    }

    /// One pass over the fields gRPC itself reads.
    static func parse(_ headers: [HTTP2Header]) -> Result<ServerRequestHead, Rejection> {
        // By length first: comparing two different strings is the slow path of String ==, and most
        // fields are none of these.
        var method: String?, contentType: String?, path = "", encoding: String?, timeout: String?, criticality: String?
        var acceptEncoding: String?
        for header in headers {
            let name = header.name
            switch name.utf8.count {
            case 5 where name == ":path": path = header.value
            case 7 where name == ":method": method = header.value
            case 12 where name == "content-type": contentType = header.value
            case 12 where name == "grpc-timeout": timeout = header.value
            case 13 where name == "grpc-encoding": encoding = header.value
            case 20 where name == "grpc-accept-encoding": acceptEncoding = header.value
            case 21 where name == AdmissionControl.criticalityHeader: criticality = header.value
            default: break
            }
        }
        guard method == "POST" else {
            return .failure(Rejection(httpStatus: 405, error: RPCError(code: .internal, message: "gRPC requires POST, not \(method ?? "no method")")))
        }
        guard let contentType, contentType.hasPrefix("application/grpc") else {
            return .failure(Rejection(httpStatus: 415, error: RPCError(code: .internal, message: "invalid content-type '\(contentType ?? "")'")))
        }
        var algorithm = CompressionAlgorithm.identity
        if let encoding {
            guard let known = CompressionAlgorithm(name: encoding) else {
                let supported = CompressionAlgorithm.acceptEncodingValue
                return .failure(Rejection(
                    httpStatus: 200, error: RPCError(code: .unimplemented, message: "grpc-encoding '\(encoding)' is not supported (supported: \(supported))")))
            }
            algorithm = known
        }
        var amount: TimeAmount?
        if let timeout {
            guard let parsed = GRPCTimeout.parse(timeout) else {
                return .failure(Rejection(httpStatus: 200, error: RPCError(code: .internal, message: "malformed grpc-timeout '\(timeout)'")))
            }
            amount = parsed
        }
        return .success(ServerRequestHead(
            path: path, timeout: amount, critical: criticality == "critical", encoding: algorithm,
            acceptedEncodings: acceptEncoding.map(AcceptedEncodings.init(headerValue:)) ?? .identityOnly))
    }
}
