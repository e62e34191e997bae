import Courier
import CourierInterop
import Testing

@Suite("gRPC interop cases, Courier client and server over real sockets", .timeLimit(.minutes(1)))
struct InteropOverSocketsTests {
    @Test(arguments: InteropTestCase.allCases)
    func interopCase(_ testCase: InteropTestCase) async throws {
        try await withServer { port in
            try await withChannel(port: port) { channel in
                try await testCase.run(on: channel)
            }
        }
    }

    @Test func manyConcurrentCallsShareOneConnection() async throws {
        try await withServer { port in
            try await withChannel(port: port) { channel in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<500 {
                        group.addTask { try await InteropTestCase.emptyUnary.run(on: channel) }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }
}
