import CMalloc

/// How a process's C allocator treats the buffers of large messages.
///
/// glibc's malloc hands every block of 128 KiB or more straight to `mmap`, and later raises that
/// threshold to the largest block freed while trimming the heap whenever more than twice it lies
/// free at its top. A process that receives and sends messages of megabytes then maps and unmaps
/// their buffers call after call, and every call faults each page of them in afresh: for a 4 MiB
/// message, about a thousand page faults per buffer, and a message passes through three. Measured
/// on bench/large.sh, that was a third of the server's time, and 4 MiB calls ran at 0.35x gRPC C++.
public enum LargeMessageMemory {
    /// Lets blocks up to `largestBlock` bytes come from the heap, where freed ones are reused
    /// without new page faults, and keeps up to `retainedFreeBytes` of freed memory mapped at the
    /// heap's top instead of returning it to the system after each message.
    ///
    /// The price is resident memory: after a burst of large messages, up to `retainedFreeBytes`
    /// stays mapped (per malloc arena) until it is reused. A process-wide setting of the C library,
    /// so the executables call it (`reco`, `interop-server`, `courier-cli`, `loadtest`); a library
    /// using Courier decides for itself. Returns false where it cannot be set: not glibc's
    /// allocator (under AddressSanitizer, malloc is the sanitizer's and refuses these settings).
    @discardableResult
    public static func reuseBuffers(largestBlock: Int = 32 << 20, retainedFreeBytes: Int = 128 << 20) -> Bool {
        #if os(Linux)
        // glibc refuses a threshold above 32 MiB on 64-bit systems (half its heap size limit).
        let threshold = Int32(clamping: min(largestBlock, 32 << 20))
        return mallopt(M_MMAP_THRESHOLD, threshold) == 1 && mallopt(M_TRIM_THRESHOLD, Int32(clamping: retainedFreeBytes)) == 1
        #else
        return false
        #endif
    }
}
