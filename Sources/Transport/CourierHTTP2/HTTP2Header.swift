/// One header field as it travels in an HTTP/2 header block.
public struct HTTP2Header: Sendable, Hashable {
    /// The field name (lower-case in HTTP/2).
    public var name: String
    /// The field value.
    public var value: String

    /// A field `name: value`.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// The size RFC 9113 §6.5.2 counts against SETTINGS_MAX_HEADER_LIST_SIZE.
    var listSize: Int { name.utf8.count + value.utf8.count + 32 }
}

extension Array where Element == HTTP2Header {
    /// The first value of `name` (names are lower-case in HTTP/2).
    public func first(_ name: String) -> String? {
        // Length first: comparing two different strings is the slow path of String ==.
        let length = name.utf8.count
        return first(where: { $0.name.utf8.count == length && $0.name == name })?.value
    }
}
