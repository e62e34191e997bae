import Courier
import CourierTooling

/// What a failed call means, in words a person can act on.
enum Explanation {
    static func of(_ error: RPCError, server: ServerAddress?) -> String {
        let status = "\(error.code) (\(error.code.rawValue))"
        let place = server.map { "\($0)" } ?? "the server"
        switch error.code {
        case .unavailable where error.message.hasPrefix("cannot connect"):
            let refused = error.message.lowercased().contains("refused")
            if refused { return "\(status): cannot connect to \(place): connection refused (is the server running, on this port?)" }
            if error.message.contains("TLS handshake") {
                return "\(status): \(error.message) (check --tls-ca and --tls-server-name; a plaintext server needs no --tls)"
            }
            return "\(status): \(error.message)"
        case .unavailable where error.message.contains("not HTTP/2") || error.message.contains("answered with TLS"):
            return "\(status): \(place): \(error.message)"
        case .deadlineExceeded:
            return "\(status): no answer within the deadline (raise it with --deadline): \(error.message)"
        case .unimplemented:
            return "\(status): \(place) does not implement this method or service (check the name with `courier-cli list`): \(error.message)"
        default:
            return error.message.isEmpty ? status : "\(status): \(error.message)"
        }
    }
}
