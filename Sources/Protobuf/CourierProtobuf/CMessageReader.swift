import CProtobufC

/// Reads the fields of a C message that protobuf-c unpacked, through protobuf-c's own field
/// descriptors (offsets and quantifier offsets), so Swift never depends on C member names.
///
/// Fields are addressed by their index in the descriptor's `fields` array, which protoc-c sorts by
/// field number; the generator emits the same order. Valid only while the unpacked message lives.
public struct CMessageReader {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    /// The arena protobuf-c unpacked into: large `bytes` values are taken from it without a copy.
    /// unowned(unsafe): a reader lives only inside the arena's use (`withThreadArena`), and a
    /// counted reference would cost atomic operations on every reader made (one per message).
    @usableFromInline unowned(unsafe) let arena: Arena

    @usableFromInline
    init(message: UnsafeRawPointer, arena: Arena) {
        self.base = message
        self.descriptor = message.assumingMemoryBound(to: ProtobufCMessage.self).pointee.descriptor
        self.arena = arena
    }

    @inlinable
    func field(_ index: Int) -> ProtobufCFieldDescriptor { descriptor.pointee.fields[index] }

    @inlinable
    func load<T>(_ index: Int, as type: T.Type) -> T {
        base.load(fromByteOffset: Int(field(index).offset), as: T.self)
    }

    @usableFromInline
    func invalidUTF8(_ index: Int) -> ProtobufDecodingError {
        .invalidUTF8(messageType: String(cString: descriptor.pointee.name), field: String(cString: field(index).name))
    }

    // MARK: Singular fields

    /// A fixed-layout scalar: Int32, Int64, UInt32, UInt64, Float or Double.
    @inlinable
    public func scalar<T>(_ index: Int, as type: T.Type = T.self) -> T { load(index, as: T.self) }

    /// A `bool` field.
    @inlinable
    public func bool(_ index: Int) -> Bool { load(index, as: Int32.self) != 0 }

    /// An enum's numeric value (C enums are int-sized).
    @inlinable
    public func enumValue(_ index: Int) -> Int32 { load(index, as: Int32.self) }

    /// A `string`, validated as UTF-8 as proto3 requires.
    @inlinable
    public func string(_ index: Int) throws(ProtobufDecodingError) -> String {
        try Self.string(load(index, as: UnsafePointer<CChar>?.self)) { invalidUTF8(index) }
    }

    @inlinable
    static func string(_ pointer: UnsafePointer<CChar>?, orThrow error: () -> ProtobufDecodingError) throws(ProtobufDecodingError) -> String {
        guard let pointer, pointer.pointee != 0 else { return "" }
        guard let string = String(validatingCString: pointer) else { throw error() }
        return string
    }

    /// A `bytes` field (large values adopted from the arena without a copy).
    @inlinable
    public func bytes(_ index: Int) -> [UInt8] { bytes(load(index, as: ProtobufCBinaryData.self)) }

    @inlinable
    func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let pointer = data.data else { return [] }
        return arena.adopt(pointer, count: data.len) ?? Array(UnsafeBufferPointer(start: pointer, count: data.len))
    }

    /// A nested message, or nil when absent.
    @inlinable
    public func message<M: ProtobufMessage>(_ index: Int, as type: M.Type = M.self) throws(ProtobufDecodingError) -> M? {
        guard let pointer = load(index, as: UnsafeRawPointer?.self) else { return nil }
        return try M(reading: CMessageReader(message: pointer, arena: arena))
    }

    /// The field number set in a `oneof` (0 when none); `index` is any member of it.
    @inlinable
    public func oneofCase(_ index: Int) -> UInt32 {
        base.load(fromByteOffset: Int(field(index).quantifier_offset), as: UInt32.self)
    }

    // MARK: Repeated fields

    @inlinable
    func repeated<T>(_ index: Int, of type: T.Type) -> UnsafeBufferPointer<T> {
        let count = base.load(fromByteOffset: Int(field(index).quantifier_offset), as: Int.self)
        guard count > 0, let pointer = load(index, as: UnsafePointer<T>?.self) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: pointer, count: count)
    }

    /// A repeated numeric field.
    @inlinable
    public func repeatedScalar<T>(_ index: Int, as type: T.Type = T.self) -> [T] { Array(repeated(index, of: T.self)) }

    /// A repeated `bool` field.
    @inlinable
    public func repeatedBool(_ index: Int) -> [Bool] { repeated(index, of: Int32.self).map { $0 != 0 } }

    /// A repeated enum field's numbers.
    @inlinable
    public func repeatedEnumValues(_ index: Int) -> [Int32] { Array(repeated(index, of: Int32.self)) }

    /// A repeated `string` field, each validated as UTF-8.
    @inlinable
    public func repeatedString(_ index: Int) throws(ProtobufDecodingError) -> [String] {
        var result: [String] = []
        for pointer in repeated(index, of: UnsafePointer<CChar>?.self) {
            result.append(try Self.string(pointer) { invalidUTF8(index) })
        }
        return result
    }

    /// A repeated `bytes` field.
    @inlinable
    public func repeatedBytes(_ index: Int) -> [[UInt8]] { repeated(index, of: ProtobufCBinaryData.self).map(bytes) }

    /// A repeated message field.
    @inlinable
    public func repeatedMessage<M: ProtobufMessage>(_ index: Int, as type: M.Type = M.self) throws(ProtobufDecodingError) -> [M] {
        var result: [M] = []
        let pointers = repeated(index, of: UnsafeRawPointer.self)
        result.reserveCapacity(pointers.count)
        for pointer in pointers { result.append(try M(reading: CMessageReader(message: pointer, arena: arena))) }
        return result
    }

    /// The entries of a `map` field: each entry reads its key at index 0 and its value at index 1.
    @inlinable
    public func mapEntries(_ index: Int) -> [CMessageReader] {
        repeated(index, of: UnsafeRawPointer.self).map { CMessageReader(message: $0, arena: arena) }
    }

    // MARK: Unknown fields

    /// Fields that arrived on the wire but are not in this schema.
    public func unknownFields() -> [ProtobufUnknownField] {
        let message = base.assumingMemoryBound(to: ProtobufCMessage.self).pointee
        guard message.n_unknown_fields > 0, let fields = message.unknown_fields else { return [] }
        return (0..<Int(message.n_unknown_fields)).map { i in
            let field = fields[i]
            return ProtobufUnknownField(
                tag: field.tag, wireType: field.wire_type.rawValue,
                data: Array(UnsafeBufferPointer(start: field.data, count: field.len)))
        }
    }
}
