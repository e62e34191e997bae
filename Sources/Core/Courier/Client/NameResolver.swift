#if canImport(Glibc)
import Glibc
#endif
import NIOPosix

/// DNS for `dns:` targets: every address a name resolves to, with getaddrinfo on NIO's thread
/// pool (it blocks), deduplicated, IPv4 first (as gRPC C++ sorts them when no IPv6 route is set up).
enum NameResolver {
    @Sendable
    static func resolve(host: String, port: Int) async throws -> [SubchannelAddress] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let list else {
                throw RPCError(code: .unavailable, message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(list) }
            var v4: [SubchannelAddress] = [], v6: [SubchannelAddress] = []
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let current = entry {
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                    let address = SubchannelAddress.host(String(cString: text), port: port)
                    if current.pointee.ai_family == AF_INET6 {
                        if !v6.contains(address) { v6.append(address) }
                    } else if !v4.contains(address) {
                        v4.append(address)
                    }
                }
                entry = current.pointee.ai_next
            }
            return v4 + v6
        }
    }
}
