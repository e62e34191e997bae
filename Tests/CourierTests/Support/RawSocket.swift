#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection for writing bytes no HTTP/2 library would write.
final class RawSocket {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw RawSocketError.connectFailed(errno) }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads until the peer closes or `timeout` passes without data.
    func readUntilClosed(timeout milliseconds: Int32 = 2000) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, milliseconds) <= 0 { return (received, false) }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (received, true) }
            received.append(contentsOf: buffer[0..<n])
        }
    }

    enum RawSocketError: Error { case connectFailed(Int32) }
}

/// Hand-built HTTP/2 frames (RFC 9113 §4.1) and header blocks (HPACK literals, RFC 7541 §6.2.2).
enum RawFrames {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags,
                UInt8(stream >> 24 & 0x7f), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)] + payload
    }

    static func settings() -> [UInt8] { frame(type: 4) }

    /// HEADERS with END_HEADERS, each field a literal without indexing, new name, no Huffman.
    static func headers(stream: UInt32, _ fields: [(String, String)], endStream: Bool = false) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in fields {
            block.append(0x00)
            block.append(UInt8(name.utf8.count))
            block.append(contentsOf: name.utf8)
            block.append(UInt8(value.utf8.count))
            block.append(contentsOf: value.utf8)
        }
        return frame(type: 1, flags: 0x4 | (endStream ? 0x1 : 0), stream: stream, payload: block)
    }

    static func rstStream(stream: UInt32, code: UInt32 = 8) -> [UInt8] {
        frame(type: 3, stream: stream, payload: [UInt8(code >> 24), UInt8(code >> 16 & 0xff), UInt8(code >> 8 & 0xff), UInt8(code & 0xff)])
    }

    struct Frame {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]

        /// The error code of RST_STREAM or GOAWAY.
        var errorCode: UInt32? {
            let offset = type == 3 ? 0 : type == 7 ? 4 : -1
            guard offset >= 0, payload.count >= offset + 4 else { return nil }
            return payload[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    static func parse(_ bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var i = 0
        while i + 9 <= bytes.count {
            let length = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
            guard i + 9 + length <= bytes.count else { break }
            let stream = bytes[i + 5..<i + 9].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7fff_ffff
            frames.append(Frame(type: bytes[i + 3], flags: bytes[i + 4], stream: stream, payload: Array(bytes[i + 9..<i + 9 + length])))
            i += 9 + length
        }
        return frames
    }

    static let grpcRequestFields: [(String, String)] = [
        (":method", "POST"), (":scheme", "http"), (":path", "/grpc.testing.TestService/EmptyCall"),
        (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers"),
    ]
}
