#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Waits for SIGINT or SIGTERM (a server's cue to shut down gracefully).
public enum ShutdownSignal {
    /// Returns when the process receives SIGINT or SIGTERM.
    public static func wait() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
        for await _ in stream { break }
        sources.forEach { $0.cancel() }
    }
}
