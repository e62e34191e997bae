import CProtobufC

/// A Swift value type generated from a protobuf message, encoded and decoded by protobuf-c.
///
/// Generated types implement `init(reading:)` and `write(to:)`, which copy between the Swift value
/// and protobuf-c's C struct field by field; protobuf-c does the wire format.
public protocol ProtobufMessage: Sendable, Equatable {
    /// The message with every field at its default.
    init()
    /// The fully-qualified protobuf name, e.g. `grpc.testing.SimpleRequest`.
    static var protoMessageName: String { get }
    /// protobuf-c's descriptor for the C struct of this message.
    static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> { get }
    /// Copies a C message (one that protobuf-c unpacked) into a Swift value.
    init(reading message: CMessageReader) throws(ProtobufDecodingError)
    /// Fills a C message that was initialised for `cDescriptor`.
    func write(to message: CMessageWriter) throws(ProtobufEncodingError)
    /// True when the schema lets this message nest without bound (it can reach a message that
    /// contains itself): decoding then checks the nesting depth first.
    static var mayNestWithoutBound: Bool { get }
}

extension ProtobufMessage {
    /// False for most messages: their nesting is bounded by the schema.
    public static var mayNestWithoutBound: Bool { false }
}

extension ProtobufMessage {
    /// Decodes `bytes`; throws on bytes that are not a valid message, on a `string` field that is
    /// not UTF-8 or holds a NUL byte (never truncated), and on nesting past 100 levels. Never
    /// crashes, never leaks.
    @inlinable
    public init(serializedBytes bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        try WireCheck.check(bytes, descriptor: Self.cDescriptor, mayNestWithoutBound: Self.mayNestWithoutBound)
        // No Result<Self, _> in between: in unspecialised callers each one costs a metadata lookup.
        self = try Arena.withThreadArena { arena throws(ProtobufDecodingError) -> Self in
            var allocator = arena.protobufCAllocator()
            var empty: UInt8 = 0
            let unpacked = withUnsafeMutablePointer(to: &empty) { emptyPointer in
                protobuf_c_message_unpack(
                    Self.cDescriptor, &allocator, bytes.count,
                    bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(emptyPointer))
            }
            guard let unpacked else { throw .malformed(messageType: Self.protoMessageName) }
            return try Self(reading: CMessageReader(message: UnsafeRawPointer(unpacked), arena: arena))
        }
    }

    /// Decodes a byte array; see `init(serializedBytes:)`.
    @inlinable
    public init(serializedBytes bytes: [UInt8]) throws(ProtobufDecodingError) {
        let decoded: Result<Self, ProtobufDecodingError> = bytes.withUnsafeBytes { buffer in
            do throws(ProtobufDecodingError) { return .success(try Self(serializedBytes: buffer)) } catch { return .failure(error) }
        }
        self = try decoded.get()
    }

    /// Builds the C message, then hands it to `body`, which may ask its size and pack it.
    @inlinable
    public func withPackedMessage<R>(_ body: (PackedMessage) throws -> R) throws -> R {
        try Arena.withThreadArena { arena in
            let message = arena.newMessage(Self.cDescriptor)
            try write(to: CMessageWriter(message: message, arena: arena))
            return try body(PackedMessage(message: message.assumingMemoryBound(to: ProtobufCMessage.self)))
        }
    }

    /// The protobuf encoding of this message.
    @inlinable
    public func serializedBytes() throws(ProtobufEncodingError) -> [UInt8] {
        do {
            return try withPackedMessage { packed in
                [UInt8](unsafeUninitializedCapacity: packed.size) { buffer, count in
                    count = packed.pack(into: buffer.baseAddress!)
                }
            }
        } catch let error as ProtobufEncodingError {
            throw error
        } catch {
            fatalError("unreachable: only encoding errors are thrown")
        }
    }
}

/// A C message ready to pack; valid only inside `withPackedMessage`.
public struct PackedMessage {
    @usableFromInline let message: UnsafePointer<ProtobufCMessage>

    @usableFromInline
    init(message: UnsafeMutablePointer<ProtobufCMessage>) { self.message = UnsafePointer(message) }

    /// The encoded size in bytes.
    @inlinable
    public var size: Int { protobuf_c_message_get_packed_size(message) }

    /// Encodes into `buffer`, which must have room for `size` bytes; returns the bytes written.
    @inlinable
    public func pack(into buffer: UnsafeMutablePointer<UInt8>) -> Int {
        protobuf_c_message_pack(message, buffer)
    }
}

/// A protobuf enum as a Swift enum; values this build does not know are kept, not lost.
public protocol ProtobufEnum: Sendable, Hashable {
    init(rawValue: Int32)
    var rawValue: Int32 { get }
}

/// Holds a message inside a message of its own type (which a Swift struct cannot hold inline).
/// Immutable, so sharing it between copies keeps value semantics.
public final class ProtobufBox<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The boxed message.
    public let value: Value
    /// Boxes `value`.
    public init(_ value: Value) { self.value = value }
    /// Equal when the boxed messages are.
    public static func == (lhs: ProtobufBox, rhs: ProtobufBox) -> Bool { lhs.value == rhs.value }
}
