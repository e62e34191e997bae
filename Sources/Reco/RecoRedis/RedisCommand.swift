import NIOCore

/// One Redis command: its name and arguments, each sent as a binary-safe bulk string.
public struct RedisCommand: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The name first, then the arguments.
    public var arguments: [RedisArgument]

    /// A command from its name and arguments.
    public init(_ arguments: [RedisArgument]) { self.arguments = arguments }

    /// `["SET", "key", "value"]`.
    public init(arrayLiteral elements: RedisArgument...) { self.arguments = elements }

    /// Appends the command in RESP (an array of bulk strings).
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            switch argument {
            case .text(let text):
                buffer.writeString("$\(text.utf8.count)\r\n")
                buffer.writeString(text)
            case .bytes(let bytes):
                buffer.writeString("$\(bytes.count)\r\n")
                buffer.writeBytes(bytes)
            }
            buffer.writeStaticString("\r\n")
        }
    }
}

/// One argument of a command: text or raw bytes.
public enum RedisArgument: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// Text, sent as its UTF-8 bytes.
    case text(String)
    /// Raw bytes (a protobuf message, say).
    case bytes([UInt8])

    /// An integer, in decimal.
    public static func int(_ value: Int64) -> RedisArgument { .text(String(value)) }

    /// `"SET"` in a command literal.
    public init(stringLiteral value: String) { self = .text(value) }
    /// `0` in a command literal, sent in decimal.
    public init(integerLiteral value: Int) { self = .text(String(value)) }
}

/// Why a command did not get a reply.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection: connecting failed, or the client waits out its backoff before the next try.
    case unavailable(String)
    /// The connection closed or failed while the command was outstanding: it may or may not have run.
    case connectionLost(String)
    /// No reply within the command timeout (the connection is closed: its replies can no longer be
    /// matched to commands).
    case timedOut(String)
    /// Redis answered the command with an error reply.
    case server(String)
    /// The bytes from the server are not RESP.
    case protocolViolation(String)

    /// The error for a log line or a status message.
    public var description: String {
        switch self {
        case .unavailable(let reason): "redis unavailable: \(reason)"
        case .connectionLost(let reason): "redis connection lost: \(reason)"
        case .timedOut(let reason): "redis timed out: \(reason)"
        case .server(let message): "redis error: \(message)"
        case .protocolViolation(let reason): "redis protocol violation: \(reason)"
        }
    }
}
