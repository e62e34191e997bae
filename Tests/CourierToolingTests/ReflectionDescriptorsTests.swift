import Courier
import CourierSchema
import CourierTooling
import Testing

/// The reflection client against a real Courier server: known symbols load with their imports,
/// unknown ones are named as such.
@Suite("Reflection descriptors")
struct ReflectionDescriptorsTests {
    @Test func unknownSymbolsAreNamedAndKnownOnesLoaded() async throws {
        try await withCourierServer { server in
            let address = try ServerAddress.parse(server)
            try await GRPCChannel(host: address.host, port: address.port).closing { channel in
                var pool = DescriptorPool()
                let missing = try await ReflectionDescriptors.load(
                    symbols: ["grpc.testing.TestService", "no.such.Service"], over: channel, into: &pool)
                #expect(missing == ["no.such.Service"])
                #expect(pool.services["grpc.testing.TestService"] != nil)
                // Its imports came along: the request type lives in another file.
                #expect(pool.messages["grpc.testing.SimpleRequest"] != nil)

                var empty = DescriptorPool()
                let error = await #expect(throws: RPCError.self) {
                    try await ReflectionDescriptors.load(symbol: "no.such.Service", over: channel, into: &empty)
                }
                #expect(error?.code == .notFound)
                #expect(error?.message == "reflection: the server does not know no.such.Service")
            }
        }
    }
}
