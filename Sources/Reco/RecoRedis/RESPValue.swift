/// One reply of Redis's protocol (RESP2), as Swift values.
public enum RESPValue: Sendable, Equatable {
    /// `+OK` and other status lines.
    case simpleString(String)
    /// `-ERR …`: the command failed; Redis keeps the connection.
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// A bulk string: binary-safe bytes.
    case bulkString([UInt8])
    /// `*N`: N replies, each of any kind.
    case array([RESPValue])
    /// A nil bulk string or nil array.
    case null

    /// A bulk or simple string as UTF-8 text; nil for other kinds.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// An integer reply, or a string that holds an integer.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString, .simpleString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array reply; an empty array for null.
    public var array: [RESPValue]? {
        switch self {
        case .array(let elements): elements
        case .null: []
        default: nil
        }
    }
}
