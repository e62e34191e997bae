import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plain loopback sockets for tests that need a peer no server library would be: one that
/// never answers, or whose connect never completes.

/// Why a test's socket set-up failed.
public struct SocketSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// 127.0.0.1:`port` as a socket address.
public func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}

/// Binds a new TCP socket to 127.0.0.1:`port` (0: any free port); returns it and its port.
public func boundLoopbackSocket(port: Int = 0, flags: Int32 = 0) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | flags, 0)
    var reuse: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    var address = loopbackAddress(port: port)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else {
        close(descriptor)
        throw SocketSetupError("bind to 127.0.0.1:\(port) failed: errno \(errno)")
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A port nothing listens on: bound for a moment, then released (for a server that must start
/// after its clients know its address, or an address that refuses connections).
public func freeLoopbackPort() throws -> Int {
    let (descriptor, port) = try boundLoopbackSocket()
    close(descriptor)
    return port
}

/// A TCP listener that never accepts: connections complete in the kernel's backlog and then
/// nothing is ever read or written — a stalled peer. With `backlogFull`, its backlog of one is
/// filled by connections of its own, so the kernel drops further SYNs: a connect to it neither
/// completes nor fails (a peer that is down behind a live address).
public final class StalledListener {
    public let port: Int
    private let descriptor: Int32
    private var fillers: [Int32] = []

    public init(backlogFull: Bool = false) throws {
        (descriptor, port) = try boundLoopbackSocket()
        guard listen(descriptor, backlogFull ? 0 : 64) == 0 else { throw SocketSetupError("listen failed: errno \(errno)") }
        guard backlogFull else { return }
        // The accept queue holds backlog + 1; three fill it and then some.
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var target = loopbackAddress(port: port)
            _ = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(filler)
        }
        usleep(50_000)
    }

    public func close() {
        for filler in fillers { Glibc.close(filler) }
        fillers = []
        Glibc.close(descriptor)
    }
}
