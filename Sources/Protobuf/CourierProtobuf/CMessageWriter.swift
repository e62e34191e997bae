import CProtobufC

/// Fills the fields of a C message built from Swift, through protobuf-c's field descriptors.
///
/// Every pointer it stores (strings, arrays, nested messages) is allocated in the arena of the
/// encode that owns this message, so it stays valid until `protobuf_c_message_pack` returns and
/// is freed exactly once, with the arena.
public struct CMessageWriter {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    @usableFromInline let arena: Arena

    @usableFromInline
    init(message: UnsafeMutableRawPointer, arena: Arena) {
        self.base = message
        self.descriptor = message.assumingMemoryBound(to: ProtobufCMessage.self).pointee.descriptor
        self.arena = arena
    }

    @inlinable
    func field(_ index: Int) -> ProtobufCFieldDescriptor { descriptor.pointee.fields[index] }

    @inlinable
    func store<T>(_ value: T, _ index: Int) {
        base.storeBytes(of: value, toByteOffset: Int(field(index).offset), as: T.self)
    }

    @usableFromInline
    func fieldName(_ index: Int) -> String {
        String(cString: descriptor.pointee.name) + "." + String(cString: field(index).name)
    }

    @inlinable
    func storeCount(_ count: Int, _ index: Int) {
        base.storeBytes(of: count, toByteOffset: Int(field(index).quantifier_offset), as: Int.self)
    }

    // MARK: Singular fields

    /// A fixed-layout scalar: Int32, Int64, UInt32, UInt64, Float or Double.
    @inlinable
    public func setScalar<T>(_ index: Int, _ value: T) { store(value, index) }

    /// Sets a `bool` field.
    @inlinable
    public func setBool(_ index: Int, _ value: Bool) { store(Int32(value ? 1 : 0), index) }

    /// Sets an enum field by number (unknown numbers are kept, as proto3 asks).
    @inlinable
    public func setEnumValue(_ index: Int, _ value: Int32) { store(value, index) }

    /// Refuses (rather than truncates) a string with a NUL inside. `evenIfEmpty` is for a oneof
    /// member: protobuf-c skips a oneof string left at its NULL default even when its case is set.
    @inlinable
    public func setString(_ index: Int, _ value: String, evenIfEmpty: Bool = false) throws(ProtobufEncodingError) {
        guard !value.isEmpty || evenIfEmpty else { return }
        store(try arena.cString(value, field: fieldName(index)), index)
    }

    /// Sets a `bytes` field (large values lent to protobuf-c without a copy while packing).
    @inlinable
    public func setBytes(_ index: Int, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        store(binaryData(value), index)
    }

    @inlinable
    func binaryData(_ value: [UInt8]) -> ProtobufCBinaryData {
        ProtobufCBinaryData(len: value.count, data: value.isEmpty ? nil : arena.bytes(value))
    }

    /// Sets a message field; nil leaves it absent.
    @inlinable
    public func setMessage<M: ProtobufMessage>(_ index: Int, _ value: M?) throws(ProtobufEncodingError) {
        guard let value else { return }
        store(try newMessage(value), index)
    }

    @inlinable
    func newMessage<M: ProtobufMessage>(_ value: M) throws(ProtobufEncodingError) -> UnsafeMutableRawPointer {
        let memory = arena.newMessage(M.cDescriptor)
        try value.write(to: CMessageWriter(message: memory, arena: arena))
        return memory
    }

    /// Marks which member of a `oneof` is set; `index` is that member's index.
    @inlinable
    public func setOneofCase(_ index: Int, _ fieldNumber: UInt32) {
        base.storeBytes(of: fieldNumber, toByteOffset: Int(field(index).quantifier_offset), as: UInt32.self)
    }

    // MARK: Repeated fields

    @inlinable
    func storeRepeated<T>(_ index: Int, _ values: [T]) {
        guard !values.isEmpty else { return }
        storeCount(values.count, index)
        store(arena.copy(values), index)
    }

    /// Sets a repeated numeric field (Int32, Int64, UInt32, UInt64, Float, Double).
    @inlinable
    public func setRepeatedScalar<T>(_ index: Int, _ values: [T]) { storeRepeated(index, values) }

    /// Sets a repeated `bool` field.
    @inlinable
    public func setRepeatedBool(_ index: Int, _ values: [Bool]) { storeRepeated(index, values.map { Int32($0 ? 1 : 0) }) }

    /// Sets a repeated enum field by number.
    @inlinable
    public func setRepeatedEnumValues(_ index: Int, _ values: [Int32]) { storeRepeated(index, values) }

    /// Sets a repeated `string` field.
    @inlinable
    public func setRepeatedString(_ index: Int, _ values: [String]) throws(ProtobufEncodingError) {
        var pointers: [UnsafeMutablePointer<CChar>] = []
        pointers.reserveCapacity(values.count)
        for value in values { pointers.append(try arena.cString(value, field: fieldName(index))) }
        storeRepeated(index, pointers)
    }

    /// Sets a repeated `bytes` field.
    @inlinable
    public func setRepeatedBytes(_ index: Int, _ values: [[UInt8]]) { storeRepeated(index, values.map(binaryData)) }

    /// Sets a repeated message field.
    @inlinable
    public func setRepeatedMessage<M: ProtobufMessage>(_ index: Int, _ values: [M]) throws(ProtobufEncodingError) {
        var pointers: [UnsafeMutableRawPointer] = []
        pointers.reserveCapacity(values.count)
        for value in values { pointers.append(try newMessage(value)) }
        storeRepeated(index, pointers)
    }

    /// Writes a `map` field as entry messages, in the order given (the generator sorts by key so
    /// encodings are deterministic); `fill` writes an entry's key (index 0) and value (index 1).
    @inlinable
    public func setMapEntries<Entry>(
        _ index: Int, _ entries: [Entry], fill: (Entry, CMessageWriter) throws(ProtobufEncodingError) -> Void
    ) throws(ProtobufEncodingError) {
        guard !entries.isEmpty else { return }
        let entryDescriptor = field(index).descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
        var pointers: [UnsafeMutableRawPointer] = []
        pointers.reserveCapacity(entries.count)
        for entry in entries {
            let memory = arena.newMessage(entryDescriptor)
            try fill(entry, CMessageWriter(message: memory, arena: arena))
            pointers.append(memory)
        }
        storeRepeated(index, pointers)
    }

    // MARK: Unknown fields

    /// Re-attaches fields that were decoded but not understood, so they are re-encoded.
    public func setUnknownFields(_ fields: [ProtobufUnknownField]) {
        guard !fields.isEmpty else { return }
        let cFields = fields.map { field in
            ProtobufCMessageUnknownField(
                tag: field.tag, wire_type: ProtobufCWireType(rawValue: field.wireType),
                len: field.data.count, data: arena.copy(field.data))
        }
        let message = base.assumingMemoryBound(to: ProtobufCMessage.self)
        message.pointee.n_unknown_fields = UInt32(cFields.count)
        message.pointee.unknown_fields = arena.copy(cFields)
    }
}
