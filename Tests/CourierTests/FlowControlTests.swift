import Courier
import CourierProtos
import Testing

@Suite("Receive flow control", .timeLimit(.minutes(1)))
struct FlowControlTests {
    /// Regression: a streaming call that ended with unread messages kept the bytes it owed to flow
    /// control, and those count against the whole connection's window (8 MiB): a few abandoned
    /// calls stalled every later call on the connection.
    @Test func abandonedStreamsGiveTheirWindowBack() async throws {
        let probe = ProbeService()
        try await withServer(services: [probe]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                var request = Grpc_Testing_SimpleRequest()
                request.responseSize = 64 << 10
                for _ in 0..<12 {
                    // Read one message, let far more arrive unread (the server writes without end), leave.
                    _ = try await client.streamingFromServer(request) { responses in
                        var iterator = responses.makeAsyncIterator()
                        _ = try await iterator.next()
                        try await Task.sleep(for: .milliseconds(150))
                        return 0
                    }
                }
                // The connection must still carry data.
                var big = Grpc_Testing_SimpleRequest()
                big.payload = Grpc_Testing_Payload()
                big.payload?.body = [UInt8](repeating: 1, count: 512 << 10)
                let echoed = try await client.unaryCall(big, options: CallOptions(timeout: .seconds(5)))
                #expect(echoed.payload?.body.count == 512 << 10)
            }
        }
    }
}
