import RecoCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock(2)` on a `LOCK` file in a directory, held for the owner's lifetime: two
/// History processes on one log would each accept writes and one of them would be lost at the next
/// compaction or restart. The kernel drops the lock when the process dies, so a crash never leaves
/// a stale lock behind (unlike a PID file).
final class DirectoryLock {
    let path: String
    private let descriptor: Int32

    /// Takes the lock, or throws within half a second, saying who is likely holding it.
    ///
    /// Why not at once: a lock released a moment ago can still be held by a child this process is
    /// forking (the child shares the open file until it executes its program, when O_CLOEXEC
    /// closes it), so a store closed and reopened in one process could be refused by its own
    /// lock. Another History process holds it for good: still refused, half a second later.
    init(directory: String) throws {
        path = directory + "/LOCK"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ConfigurationError("\(path): cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK, attempts < 50 {
            attempts += 1
            usleep(10_000)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK
                ? "another process holds it: is a second History (reco serve) running on this data directory?"
                : String(cString: strerror(errno))
            close(descriptor)
            throw ConfigurationError("\(path): cannot lock the History log's directory: \(reason)")
        }
    }

    deinit { close(descriptor) }
}
