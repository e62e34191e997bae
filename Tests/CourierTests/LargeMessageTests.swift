import Courier
import CourierProtos
import Testing

/// Messages of megabytes through real sockets, both ways: assembled from many DATA frames in
/// linear time, sent as slices of their own buffers, packed and unpacked without arena copies.
/// Every byte must come back in its place, call after call and with calls interleaved.
@Suite("Large messages over a real socket")
struct LargeMessageTests {
    static func payload(size: Int, seed: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 12)) }
    }

    @Test("3 MiB echoed intact, three calls in a row and two at once on one connection")
    func largePayloadsRoundTrip() async throws {
        try await withServer(services: [ProbeService()]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                func echo(_ seed: Int) async throws {
                    var request = Grpc_Testing_SimpleRequest()
                    request.payload = Grpc_Testing_Payload()
                    request.payload?.body = Self.payload(size: 3 << 20, seed: seed)
                    let response = try await client.unaryCall(request)
                    #expect(response.payload?.body == request.payload?.body, "payload \(seed) came back changed")
                }
                for seed in 1...3 { try await echo(seed) }
                async let first: Void = echo(4)
                async let second: Void = echo(5)
                _ = try await (first, second)
            }
        }
    }
}
