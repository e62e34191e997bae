import CProtobufC

#if canImport(Glibc)
import Glibc
#endif

/// A bump allocator that owns every byte protobuf-c touches for one encode or decode.
///
/// Building a C message from Swift needs many small allocations (strings, arrays, nested
/// messages) that must stay valid until `protobuf_c_message_pack` returns; unpacking makes as
/// many again. Putting all of them in one arena gives each C pointer exactly one owner, makes
/// `free_unpacked` unnecessary and turns a leak into something that cannot happen: everything
/// goes when the arena is reset or freed.
///
/// Each thread keeps one arena for reuse (`withThreadArena`), so a steady stream of messages
/// allocates nothing.
@usableFromInline
final class Arena {
    /// Chunks form a list through their first word (the previous chunk).
    private var chunk: UnsafeMutableRawPointer?
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private var chunkSize: Int
    private static let header = 16
    private static let firstChunkSize = 2048
    /// A reset keeps the first chunk only if it is no larger than this.
    private static let keptChunkLimit = 64 << 10

    @usableFromInline
    init() {
        self.chunkSize = Self.firstChunkSize
    }

    deinit { freeChunks(keepingLast: false) }

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
        let size = max(chunkSize, byteCount + alignment + Self.header)
        chunkSize = min(chunkSize * 2, 1 << 20)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        memory.storeBytes(of: chunk, as: UnsafeMutableRawPointer?.self)
        memory.storeBytes(of: size, toByteOffset: 8, as: Int.self)
        chunk = memory
        let start = memory + Self.header
        let padding = (alignment - Int(bitPattern: start) & (alignment - 1)) & (alignment - 1)
        cursor = start + padding + byteCount
        remaining = size - Self.header - padding - byteCount
        return start + padding
    }

    /// Forgets every allocation, keeping one small chunk for the next use.
    @usableFromInline
    func reset() {
        freeChunks(keepingLast: true)
        if let chunk {
            cursor = chunk + Self.header
            remaining = chunk.load(fromByteOffset: 8, as: Int.self) - Self.header
        }
        chunkSize = Self.firstChunkSize
    }

    private func freeChunks(keepingLast: Bool) {
        var current = chunk
        chunk = nil
        cursor = nil
        remaining = 0
        while let memory = current {
            let previous = memory.load(as: UnsafeMutableRawPointer?.self)
            let isFirst = previous == nil
            if keepingLast && isFirst && memory.load(fromByteOffset: 8, as: Int.self) <= Self.keptChunkLimit {
                chunk = memory
            } else {
                memory.deallocate()
            }
            current = previous
        }
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
    /// Valid only while the arena is in use.
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

extension Arena {
    /// The calling thread's arena slot (pthread TLS: Swift has no thread-local storage of its own).
    private static let slot: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<Arena>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// Runs `body` with this thread's arena, reset afterwards. Re-entrant: a nested call (while
    /// the thread's arena is taken) gets a fresh one.
    @usableFromInline
    static func withThreadArena<R, Failure: Error>(_ body: (Arena) throws(Failure) -> R) throws(Failure) -> R {
        let arena: Arena
        if let pointer = pthread_getspecific(slot) {
            pthread_setspecific(slot, nil)
            arena = Unmanaged<Arena>.fromOpaque(pointer).takeRetainedValue()
        } else {
            arena = Arena()
        }
        defer {
            arena.reset()
            if pthread_getspecific(slot) == nil {
                pthread_setspecific(slot, Unmanaged.passRetained(arena).toOpaque())
            }
        }
        return try body(arena)
    }
}
