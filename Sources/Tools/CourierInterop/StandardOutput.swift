#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Standard output of the interop tools.
public enum StandardOutput {
    /// Line-buffered even into a pipe, so scripts and logs see each line as it happens.
    /// Call first thing in `main`, before anything is printed.
    public static func makeLineBuffered() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }
}
