import CourierHTTP2
import Testing

/// gRPC's keepalive enforcement (keepalive.md) as a value, without a socket.
@Suite("PING policy")
struct PingPolicyTests {
    static let second: UInt64 = 1_000_000_000

    @Test("without calls, a second PING within two hours is a strike; the third strike is too many")
    func pingsWithoutCalls() {
        var policy = PingPolicy()
        let allowed = [0, 600, 1200, 1800].map { policy.allowPing(at: UInt64($0) * Self.second, openStreams: 0) }
        #expect(allowed == [true, true, true, false], "the first is free, then strikes 1, 2 and 3")
    }

    @Test("with calls open, PINGs five minutes apart are fine and closer ones strike")
    func pingsWithCalls() {
        var policy = PingPolicy()
        for i in 0..<10 {
            let allowed = policy.allowPing(at: UInt64(i) * 301 * Self.second, openStreams: 1)
            #expect(allowed)
        }
        let strikes = (3011...3014).map { policy.allowPing(at: UInt64($0) * Self.second, openStreams: 1) }
        #expect(strikes == [true, true, true, false], "302 s after the last is fine, then strikes 1, 2 and 3")
    }

    @Test("sending HEADERS or DATA starts the count over; permitWithoutCalls uses the minimum interval")
    func trafficResets() {
        var policy = PingPolicy()
        let afterTraffic = (0..<20).map { i -> Bool in
            defer { policy.sentTraffic() }
            return policy.allowPing(at: UInt64(i) * Self.second, openStreams: 0)
        }
        #expect(afterTraffic.allSatisfy { $0 })
        var permissive = PingPolicy(minInterval: .seconds(1), permitWithoutCalls: true)
        let spaced = (0..<20).map { permissive.allowPing(at: UInt64($0) * 2 * Self.second, openStreams: 0) }
        #expect(spaced.allSatisfy { $0 })
    }
}
