import Courier
import CourierProtobuf
import CourierProtos
import GRPCServiceProtos
import CourierServices
import Testing

@Suite("Health and reflection", .timeLimit(.minutes(1)))
struct StandardServicesTests {
    @Test func healthCheckAndWatchFollowStatusChanges() async throws {
        let health = HealthService()
        health.setStatus(.serving, for: "svc")
        try await withServer(services: [health]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Health_V1_Health.Client(channel: channel)
                var request = Grpc_Health_V1_HealthCheckRequest()
                #expect(try await client.check(request).status == .serving)
                request.service = "svc"
                #expect(try await client.check(request).status == .serving)
                request.service = "nope"
                #expect(await rpcError { _ = try await client.check(request) }?.code == .notFound)

                request.service = "svc"
                let seen = try await client.watch(request) { responses in
                    var seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                    for try await response in responses {
                        seen.append(response.status)
                        if seen.count == 1 { health.setStatus(.notServing, for: "svc") }
                        if seen.count == 2 { break }
                    }
                    return seen
                }
                #expect(seen == [.serving, .notServing])

                request.service = "later"
                let unknownFirst = try await client.watch(request) { responses in
                    for try await response in responses { return response.status }
                    return .unknown
                }
                #expect(unknownFirst == .serviceUnknown)
            }
        }
    }

    @Test(arguments: ["v1", "v1alpha"])
    func reflectionListsServicesAndServesDescriptors(version: String) async throws {
        let health = HealthService()
        let services: [any CourierService] = [health]
        try await withServer(services: services + ServerReflection.services(describing: services)) { port in
            try await withChannel(port: port) { channel in
                func ask(_ request: Grpc_Reflection_V1_ServerReflectionRequest) async throws -> Grpc_Reflection_V1_ServerReflectionResponse {
                    if version == "v1" {
                        return try await Grpc_Reflection_V1_ServerReflection.Client(channel: channel).serverReflectionInfo { requests, responses in
                            try await requests.write(request)
                            requests.finish()
                            for try await response in responses { return response }
                            throw RPCError(code: .internal, message: "no answer")
                        }
                    }
                    let alpha = try Grpc_Reflection_V1alpha_ServerReflectionRequest(serializedBytes: request.serializedBytes())
                    return try await Grpc_Reflection_V1alpha_ServerReflection.Client(channel: channel).serverReflectionInfo { requests, responses in
                        try await requests.write(alpha)
                        requests.finish()
                        for try await response in responses {
                            return try Grpc_Reflection_V1_ServerReflectionResponse(serializedBytes: response.serializedBytes())
                        }
                        throw RPCError(code: .internal, message: "no answer")
                    }
                }

                var list = Grpc_Reflection_V1_ServerReflectionRequest()
                list.messageRequest = .listServices("")
                guard case .listServicesResponse(let listed)? = try await ask(list).messageResponse else {
                    Issue.record("no list_services answer")
                    return
                }
                #expect(listed.service.map(\.name) == [
                    "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
                ])

                var bySymbol = Grpc_Reflection_V1_ServerReflectionRequest()
                bySymbol.messageRequest = .fileContainingSymbol("grpc.health.v1.Health.Check")
                guard case .fileDescriptorResponse(let files)? = try await ask(bySymbol).messageResponse else {
                    Issue.record("no file_containing_symbol answer")
                    return
                }
                #expect(files.fileDescriptorProto.first == CourierProtoFiles.grpc_health_v1_health.serializedDescriptor)

                var missing = Grpc_Reflection_V1_ServerReflectionRequest()
                missing.messageRequest = .fileByFilename("no/such.proto")
                guard case .errorResponse(let error)? = try await ask(missing).messageResponse else {
                    Issue.record("no error answer")
                    return
                }
                #expect(error.errorCode == Int32(StatusCode.notFound.rawValue))
            }
        }
    }

    @Test func embeddedDescriptorsAreValidFileDescriptorProtos() throws {
        // The descriptor's first field is the file name (field 1, string).
        for file in CourierProtoFiles.grpc_testing_test.withDependencies {
            let bytes = file.serializedDescriptor
            #expect(bytes.first == 0x0a)
            #expect(Array(bytes[2..<(2 + Int(bytes[1]))]) == Array(file.name.utf8))
        }
        #expect(CourierProtoFiles.grpc_testing_test.withDependencies.map(\.name) == [
            "grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto",
        ])
    }
}
