import RecoCore
#if canImport(Glibc)
import Glibc
#endif

/// Memory for a matrix. A large one (a part_date's shop table: tens of MB) is mapped on 2 MiB
/// boundaries and offered to the kernel for transparent huge pages: a ranking reads a thousand
/// random rows, and on 4 KiB pages nearly every row costs a TLB miss and a page walk.
final class MatrixAllocation: @unchecked Sendable {
    // @unchecked: owns the memory; the matrix writes it only while it is being built.
    let base: UnsafeMutableRawPointer
    /// The mapping to unmap, for a matrix that got one (else `base` came from the allocator).
    private let mapping: (start: UnsafeMutableRawPointer, byteCount: Int)?

    private static let hugePage = 2 << 20

    init(byteCount: Int) {
        #if canImport(Glibc)
        if byteCount >= 4 * Self.hugePage {
            let mapped = (byteCount + Self.hugePage - 1) / Self.hugePage * Self.hugePage + Self.hugePage
            if let mapping = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapping != MAP_FAILED {
                let aligned = (Int(bitPattern: mapping) + Self.hugePage - 1) / Self.hugePage * Self.hugePage
                base = UnsafeMutableRawPointer(bitPattern: aligned)!
                // Only a hint: where the kernel grants no huge pages the matrix works as before.
                _ = madvise(base, mapped - Self.hugePage, MADV_HUGEPAGE)
                self.mapping = (mapping, mapped)
                return
            }
        }
        #endif
        base = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        mapping = nil
    }

    deinit {
        #if canImport(Glibc)
        if let mapping {
            munmap(mapping.start, mapping.byteCount)
            return
        }
        #endif
        base.deallocate()
    }
}
