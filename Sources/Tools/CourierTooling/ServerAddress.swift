import ArgumentParser

/// HOST:PORT of a server on a command line ("[::1]:50051" for IPv6).
public struct ServerAddress: ExpressibleByArgument, CustomStringConvertible, Sendable {
    public let host: String
    public let port: Int

    public init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public static func parse(_ text: String) throws -> ServerAddress {
        guard let address = ServerAddress(argument: text) else { throw ValidationError("expected HOST:PORT, got \(text)") }
        return address
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
