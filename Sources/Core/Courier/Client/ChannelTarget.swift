/// Where a channel's calls go, as gRPC names targets (naming.md): one address, the addresses a
/// DNS name resolves to (resolved again while the channel lives), a fixed list, or a Unix socket.
public enum ChannelTarget: Sendable, Equatable, CustomStringConvertible {
    /// One host and port, connected as given (the name is resolved by each connect).
    case host(String, port: Int)
    /// Every address `host` resolves to, each its own subchannel; resolved again every
    /// `ChannelConfiguration.resolveInterval` and when no subchannel is left to pick.
    case dns(host: String, port: Int)
    /// A fixed list of addresses, each its own subchannel.
    case addresses([SubchannelAddress])
    /// A Unix domain socket.
    case unix(path: String)

    /// Parses gRPC's target syntax: `dns:///host:port` (or `dns:host:port`), `ipv4:a:p,b:q`,
    /// `ipv6:[a]:p,[b]:q`, `unix:///path` (or `unix:path`), or a plain `host:port`.
    public init(parsing text: String) throws {
        func hostPort(_ text: Substring) throws -> (String, Int) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
                throw RPCError(code: .invalidArgument, message: "target '\(text)': expected host:port")
            }
            var host = text[..<colon]
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty else { throw RPCError(code: .invalidArgument, message: "target '\(text)': no host") }
            return (String(host), port)
        }
        if text.hasPrefix("dns:") {
            var rest = text.dropFirst(4)
            if rest.hasPrefix("//") {
                // dns://authority/host:port: the authority (a DNS server) is not supported; dns:///host:port is.
                rest = rest.dropFirst(2)
                guard let slash = rest.firstIndex(of: "/") else { throw RPCError(code: .invalidArgument, message: "target '\(text)': expected dns:///host:port") }
                guard rest[..<slash].isEmpty else { throw RPCError(code: .invalidArgument, message: "target '\(text)': a DNS authority is not supported") }
                rest = rest[rest.index(after: slash)...]
            }
            let (host, port) = try hostPort(rest)
            self = .dns(host: host, port: port)
        } else if text.hasPrefix("unix:") {
            var path = text.dropFirst(5)
            if path.hasPrefix("//") { path = path.dropFirst(2) }
            guard !path.isEmpty else { throw RPCError(code: .invalidArgument, message: "target '\(text)': no socket path") }
            self = .unix(path: String(path))
        } else if text.hasPrefix("ipv4:") || text.hasPrefix("ipv6:") {
            let list = try text.dropFirst(5).split(separator: ",").map { part -> SubchannelAddress in
                let (host, port) = try hostPort(part)
                return .host(host, port: port)
            }
            guard !list.isEmpty else { throw RPCError(code: .invalidArgument, message: "target '\(text)': no addresses") }
            self = .addresses(list)
        } else {
            let (host, port) = try hostPort(Substring(text))
            self = .host(host, port: port)
        }
    }

    /// As gRPC writes it.
    public var description: String {
        switch self {
        case .host(let host, let port): SubchannelAddress.host(host, port: port).description
        case .dns(let host, let port): "dns:///" + SubchannelAddress.host(host, port: port).description
        case .addresses(let list): "ipv4:" + list.map(\.description).joined(separator: ",")
        case .unix(let path): "unix://" + path
        }
    }
}

/// One address a subchannel connects to.
public enum SubchannelAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host (a name or an IP address) and port.
    case host(String, port: Int)
    /// A Unix domain socket's path.
    case unix(path: String)

    /// `host:port` (`[v6]:port`), or `unix:path`.
    public var description: String {
        switch self {
        case .host(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): "unix:" + path
        }
    }

    /// `:authority` of calls to it.
    var authority: String {
        switch self {
        case .host: description
        case .unix: "localhost"
        }
    }
}

/// How a channel spreads calls over its subchannels (gRPC's load-balancing.md).
public enum LoadBalancingPolicy: Sendable, Equatable {
    /// Every call to the first subchannel that is available; the next ones only when it is not.
    case pickFirst
    /// Calls in turn to every available subchannel.
    case roundRobin
}
