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
    // @exclusivity(unchecked) on these stored properties: the arena (one per thread) is confined to one thread, and
    // the run-time checks on its hot properties cost ~4 % of a unary call (bench/unary.sh, perf).
    /// Chunks form a list through their first word (the previous chunk).
    @exclusivity(unchecked) private var chunk: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var cursor: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var remaining = 0
    @exclusivity(unchecked) private var chunkSize: Int
    private static let header = 16
    private static let firstChunkSize = 2048
    /// A reset keeps the first chunk only if it is no larger than this.
    private static let keptChunkLimit = 64 << 10
    /// Byte arrays whose storage C pointers point into (see `bytes(_:)`), kept alive until reset.
    @exclusivity(unchecked) private var borrowed: [[UInt8]] = []
    /// Large blocks protobuf-c asked for while unpacking, made as Swift arrays, by address (see
    /// `allocateForUnpack`); kept until reset.
    @exclusivity(unchecked) private var adoptable: [UnsafeMutableRawPointer: [UInt8]] = [:]
    /// Byte arrays at least this large are borrowed rather than copied, and adopted when unpacked.
    @usableFromInline
    static let borrowMinimum = 16 << 10

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
        if !borrowed.isEmpty { borrowed.removeAll(keepingCapacity: true) }
        if !adoptable.isEmpty { adoptable.removeAll(keepingCapacity: true) }
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

    /// A pointer protobuf-c can read `bytes` through until the arena is reset. A large array is
    /// not copied: the arena keeps the array (so its storage stays alive, and a later change to
    /// the caller's copy goes to new storage) and hands out its storage's address. For a native
    /// Swift array, the only kind on Linux, that storage is one heap object that never moves.
    /// Packing a 4 MiB payload thus copies it once, into the wire buffer, instead of twice.
    @usableFromInline
    func bytes(_ bytes: [UInt8]) -> UnsafeMutablePointer<UInt8> {
        guard bytes.count >= Self.borrowMinimum else { return copy(bytes) }
        borrowed.append(bytes)
        let address = bytes.withUnsafeBufferPointer { $0.baseAddress! }
        return UnsafeMutablePointer(mutating: address)  // protobuf-c only reads it while packing
    }

    /// Copies `values` into arena memory.
    @usableFromInline
    func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let memory = allocate(byteCount: max(1, values.count * MemoryLayout<T>.stride), alignment: MemoryLayout<T>.alignment)
        let typed = memory.bindMemory(to: T.self, capacity: values.count)
        values.withUnsafeBufferPointer { source in
            if let start = source.baseAddress { typed.initialize(from: start, count: source.count) }
        }
        return typed
    }

    /// Memory for protobuf-c's unpacking. A large block is the storage of a new Swift array:
    /// when protobuf-c copies a `bytes` field's value into it, that array becomes the Swift value
    /// as it is (`adopt`), so a 4 MiB payload is copied once on its way in instead of twice. A
    /// large block used for anything else is simply memory the arena holds until reset.
    func allocateForUnpack(byteCount: Int) -> UnsafeMutableRawPointer {
        guard byteCount >= Self.borrowMinimum else { return allocate(byteCount: max(byteCount, 1)) }
        // UInt8 needs no initialisation; protobuf-c fills what it uses.
        var storage = [UInt8](unsafeUninitializedCapacity: byteCount) { _, count in count = byteCount }
        let address = storage.withUnsafeMutableBufferPointer { UnsafeMutableRawPointer($0.baseAddress!) }
        adoptable[address] = storage
        return address
    }

    /// The Swift array whose storage is exactly these `count` bytes at `pointer`, if the arena made
    /// one for protobuf-c (`allocateForUnpack`); nil otherwise, and the caller copies.
    @usableFromInline
    func adopt(_ pointer: UnsafeMutablePointer<UInt8>, count: Int) -> [UInt8]? {
        guard count >= Self.borrowMinimum, let array = adoptable[UnsafeMutableRawPointer(pointer)], array.count == count else {
            return nil
        }
        return array
    }

    /// A `ProtobufCAllocator` that allocates from this arena and never frees (the arena does).
    /// Valid only while the arena is in use.
    @usableFromInline
    func protobufCAllocator() -> ProtobufCAllocator {
        ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<Arena>.fromOpaque(data!).takeUnretainedValue().allocateForUnpack(byteCount: size)
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
