/// gRPC custom metadata: ordered key/value pairs sent as HTTP/2 header fields.
///
/// Keys are lower-case. A key ending in `-bin` carries bytes, sent base64-encoded
/// (PROTOCOL-HTTP2.md, "Custom-Metadata"); other values are printable ASCII.
public struct Metadata: Sendable, Hashable, Sequence {
    /// A metadata value: text, or bytes for keys ending in `-bin`.
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case binary([UInt8])

        /// The text, or the bytes in base64.
        public var description: String {
            switch self {
            case .string(let s): return s
            case .binary(let b): return "0x" + b.map { String(format2: $0) }.joined()
            }
        }
    }

    /// Every entry in order; keys repeat when a key has several values.
    public private(set) var entries: [(key: String, value: Value)] = []

    /// No metadata.
    public init() {}

    /// Metadata from ASCII (or, for `-bin` keys, UTF-8) pairs, in order.
    public init(_ elements: [(String, String)]) {
        for (key, value) in elements { add(key, value) }
    }

    /// True when there are no entries.
    public var isEmpty: Bool { entries.isEmpty }
    /// The number of entries.
    public var count: Int { entries.count }

    /// Iterates the entries in order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: Value)]> { entries.makeIterator() }

    /// Adds an ASCII value (for a `-bin` key, its UTF-8 bytes).
    public mutating func add(_ key: String, _ value: String) {
        let key = key.lowercased()
        entries.append((key, key.hasSuffix("-bin") ? .binary(Array(value.utf8)) : .string(value)))
    }

    /// Adds a binary value; the key must end in `-bin`.
    public mutating func add(_ key: String, bytes: [UInt8]) {
        entries.append((key.lowercased(), .binary(bytes)))
    }

    /// Removes every value of `key`.
    public mutating func removeAll(_ key: String) {
        let key = key.lowercased()
        entries.removeAll { $0.key == key }
    }

    /// Every value of `key`, in order.
    public func values(_ key: String) -> [Value] {
        let key = key.lowercased()
        return entries.filter { $0.key == key }.map(\.value)
    }

    /// The first ASCII value of `key`.
    public subscript(key: String) -> String? {
        for case .string(let s) in values(key) { return s }
        return nil
    }

    /// The first binary value of `key`.
    public func bytes(_ key: String) -> [UInt8]? {
        for case .binary(let b) in values(key) { return b }
        return nil
    }

    /// Same entries in the same order.
    public static func == (lhs: Metadata, rhs: Metadata) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    /// Hashes the entries in order.
    public func hash(into hasher: inout Hasher) {
        for (key, value) in entries {
            hasher.combine(key)
            hasher.combine(value)
        }
    }
}

extension String {
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
