import CProtobufC

/// A bump allocator that owns every byte protobuf-c touches for one encode or decode.
///
/// Building a C message from Swift needs many small allocations (strings, arrays, nested
/// messages) that must stay valid until `protobuf_c_message_pack` returns; unpacking makes as
/// many again. Putting all of them in one arena gives each C pointer exactly one owner, makes
/// `free_unpacked` unnecessary and turns a leak into something that cannot happen: everything
/// goes when the arena does.
@usableFromInline
final class Arena {
    private var chunks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private var nextChunkSize: Int

    @usableFromInline
    init(initialCapacity: Int = 1024) {
        self.nextChunkSize = initialCapacity
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    /// Returns uninitialised memory of `byteCount` bytes aligned to `alignment` (a power of two).
    @usableFromInline
    func allocate(byteCount: Int, alignment: Int = 16) -> UnsafeMutableRawPointer {
        if let cursor {
            let padding = (alignment - Int(bitPattern: cursor) & (alignment - 1)) & (alignment - 1)
            if padding + byteCount <= remaining {
                let result = cursor + padding
                self.cursor = result + byteCount
                self.remaining -= padding + byteCount
                return result
            }
        }
        let chunkSize = max(nextChunkSize, byteCount + alignment)
        nextChunkSize = min(nextChunkSize * 2, 1 << 20)
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        chunks.append(chunk)
        cursor = chunk + byteCount
        remaining = chunkSize - byteCount
        return chunk
    }

    /// A zero-initialised C message of the given type, with its descriptor set by `protobuf_c_message_init`.
    @usableFromInline
    func newMessage(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> UnsafeMutableRawPointer {
        let memory = allocate(byteCount: Int(descriptor.pointee.sizeof_message))
        protobuf_c_message_init(descriptor, memory)
        return memory
    }

    /// Copies `string` as a NUL-terminated C string, refusing one with a NUL inside: protobuf-c
    /// would silently cut it there.
    @usableFromInline
    func cString(_ string: String, field: @autoclosure () -> String) throws(ProtobufEncodingError) -> UnsafeMutablePointer<CChar> {
        var string = string
        let copy: UnsafeMutablePointer<CChar>? = string.withUTF8 { utf8 in
            if utf8.contains(0) { return nil }
            let memory = allocate(byteCount: utf8.count + 1, alignment: 1)
            if let source = utf8.baseAddress { memory.copyMemory(from: source, byteCount: utf8.count) }
            memory.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return memory.assumingMemoryBound(to: CChar.self)
        }
        guard let copy else { throw ProtobufEncodingError.stringContainsNUL(field: field()) }
        return copy
    }

    /// Copies `values` into arena memory.
    @usableFromInline
    func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let memory = allocate(byteCount: max(1, values.count * MemoryLayout<T>.stride), alignment: MemoryLayout<T>.alignment)
        let typed = memory.bindMemory(to: T.self, capacity: values.count)
        _ = UnsafeMutableBufferPointer(start: typed, count: values.count).initialize(from: values)
        return typed
    }

    /// A `ProtobufCAllocator` that allocates from this arena and never frees (the arena does).
    /// Valid only while the arena is alive.
    @usableFromInline
    func protobufCAllocator() -> ProtobufCAllocator {
        ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<Arena>.fromOpaque(data!).takeUnretainedValue().allocate(byteCount: max(size, 1))
            },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(self).toOpaque())
    }
}
