import Reco
import Synchronization
import Testing

@Suite("LogRateLimiter")
struct LogRateLimiterTests {
    @Test("the first line passes; lines within the interval are counted, and the next line says how many")
    func limits() async throws {
        let limiter = LogRateLimiter(interval: .milliseconds(200))
        let logged = Mutex<[Int]>([])
        for _ in 0..<5 { limiter.attempt { suppressed in logged.withLock { $0.append(suppressed) } } }
        #expect(logged.withLock { $0 } == [0])
        try await Task.sleep(for: .milliseconds(250))
        limiter.attempt { suppressed in logged.withLock { $0.append(suppressed) } }
        #expect(logged.withLock { $0 } == [0, 4])
    }
}
