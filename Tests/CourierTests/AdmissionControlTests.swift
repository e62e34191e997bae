import Courier
import CourierProtos
import NIOCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The overload protection as values (no socket), then through a real server.
@Suite("Overload protection", .timeLimit(.minutes(1)))
struct AdmissionControlTests {
    @Test("the limit grows while latency holds, and shrinks when calls start queueing past the allowance")
    func gradient() {
        var limit = GradientConcurrencyLimit(initial: 20, minimum: 4, maximum: 1000, queueAllowance: .milliseconds(5))
        for _ in 0..<200 { limit.record(latencyNanoseconds: 1_000_000, inFlight: Int(limit.limit)) }
        let grown = limit.limit
        #expect(grown > 100, "grew to \(grown)")
        // Queueing: calls now take 50 ms (the allowance is 5 ms over the usual 1 ms).
        for _ in 0..<30 { limit.record(latencyNanoseconds: 50_000_000, inFlight: Int(limit.limit)) }
        #expect(limit.limit < grown / 2, "shrank to \(limit.limit) from \(grown)")
        // Within the allowance: no shrinking.
        var steady = GradientConcurrencyLimit(initial: 50, queueAllowance: .milliseconds(50))
        for _ in 0..<100 { steady.record(latencyNanoseconds: 1_000_000, inFlight: 50) }
        let before = steady.limit
        for _ in 0..<30 { steady.record(latencyNanoseconds: 20_000_000, inFlight: 50) }
        #expect(steady.limit >= before)
        // An idle server does not grow its limit from calls it was nowhere near limited on.
        var idle = GradientConcurrencyLimit(initial: 20)
        for _ in 0..<100 { idle.record(latencyNanoseconds: 1_000_000, inFlight: 1) }
        #expect(idle.limit == 20)
    }

    @Test("beyond the limit a call is refused at once with RESOURCE_EXHAUSTED and a pushback; critical calls pass")
    func admission() throws {
        let control = AdmissionControl(limit: GradientConcurrencyLimit(initial: 2, minimum: 2, maximum: 2))
        let first = try control.admit(path: "/s/m", timeRemaining: nil, critical: false).get()
        _ = try control.admit(path: "/s/m", timeRemaining: nil, critical: false).get()
        guard case .failure(let refusal) = control.admit(path: "/s/m", timeRemaining: nil, critical: false) else {
            Issue.record("the third call was admitted past a limit of 2")
            return
        }
        #expect(refusal.error.code == .resourceExhausted)
        #expect((refusal.pushbackMilliseconds ?? 0) >= 5)
        #expect(throws: Never.self) { _ = try control.admit(path: "/s/m", timeRemaining: nil, critical: true).get() }
        control.release(first)
        #expect(throws: Never.self) { _ = try control.admit(path: "/s/m", timeRemaining: nil, critical: false).get() }
    }

    @Test("a call whose deadline is shorter than its method usually takes is refused before it runs")
    func deadlineTooShort() async throws {
        let control = AdmissionControl()
        // Teach it the method takes ~30 ms.
        for _ in 0..<3 {
            let ticket = try control.admit(path: "/s/slow", timeRemaining: nil, critical: false).get()
            try await Task.sleep(for: .milliseconds(30))  // not usleep: that would hold a thread of the 2-thread pool
            control.release(ticket)
        }
        guard case .failure(let refusal) = control.admit(path: "/s/slow", timeRemaining: .milliseconds(5), critical: false) else {
            Issue.record("a 5 ms deadline was admitted for a 30 ms method")
            return
        }
        #expect(refusal.error.code == .deadlineExceeded)
        #expect(throws: Never.self) { _ = try control.admit(path: "/s/slow", timeRemaining: .seconds(1), critical: false).get() }
        // Another method is judged by its own time.
        #expect(throws: Never.self) { _ = try control.admit(path: "/s/other", timeRemaining: .milliseconds(5), critical: false).get() }
    }

    @Test("over a real socket: a saturated server refuses with grpc-retry-pushback-ms, and the client then holds back")
    func pushbackOverTheWire() async throws {
        var configuration = ServerConfiguration.testing
        configuration.concurrencyLimit = GradientConcurrencyLimit(initial: 2, minimum: 2, maximum: 2)
        try await withServer(services: [ProbeService()], configuration: configuration) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                // Two slow calls hold both slots.
                let slow = (0..<2).map { _ in
                    Task { try await client.unaryCall(ProbeService.sleepRequest(milliseconds: 1500)) }
                }
                // Until both have reached the server (on a busy host that can take a while), a
                // quick call is admitted and answered: try until one is refused.
                var refused: RPCError?
                for _ in 0..<40 where refused == nil {
                    try await Task.sleep(for: .milliseconds(25))
                    refused = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest()) }
                }
                #expect(refused?.code == .resourceExhausted, "\(String(describing: refused))")
                #expect(refused?.metadata["grpc-retry-pushback-ms"] != nil)
                // Honouring the pushback, the channel does not send the next call at all.
                let held = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest()) }
                #expect(held?.code == .resourceExhausted && held?.message.contains("not sent") == true, "\(String(describing: held))")
                // Critical calls are never shed.
                var critical = CallOptions()
                critical.metadata.add(AdmissionControl.criticalityHeader, "critical")
                let other = GRPCChannel(host: "127.0.0.1", port: port)
                _ = try await Grpc_Testing_BenchmarkService.Client(channel: other).unaryCall(Grpc_Testing_SimpleRequest(), options: critical)
                await other.close()
                for task in slow { _ = try await task.value }
            }
        }
    }
}
