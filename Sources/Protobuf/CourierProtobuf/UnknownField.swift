/// A field this build's schema does not know, kept so that it is re-encoded unchanged.
public struct ProtobufUnknownField: Sendable, Hashable {
    /// The field number.
    public var tag: UInt32
    /// protobuf-c's wire type (0 varint, 1 64-bit, 2 length-delimited, 5 32-bit).
    public var wireType: UInt32
    /// The field's value bytes as they were on the wire (without the tag).
    public var data: [UInt8]

    /// A field as it came off the wire.
    public init(tag: UInt32, wireType: UInt32, data: [UInt8]) {
        self.tag = tag
        self.wireType = wireType
        self.data = data
    }
}
