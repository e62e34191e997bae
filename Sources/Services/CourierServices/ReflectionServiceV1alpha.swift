import Courier
import GRPCServiceProtos

/// `grpc.reflection.v1alpha.ServerReflection`. Its messages are wire-identical to v1's, so each
/// request is re-read as v1, answered by the v1 service, and the answer re-read as v1alpha.
final class ReflectionServiceV1alpha: Grpc_Reflection_V1alpha_ServerReflection.ServiceProtocol {
    let v1: ReflectionServiceV1

    init(v1: ReflectionServiceV1) {
        self.v1 = v1
    }

    func serverReflectionInfo(
        requests: RequestStream<Grpc_Reflection_V1alpha_ServerReflectionRequest>,
        responses: ResponseStreamWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await request in requests {
            let asV1 = try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: request.serializedBytes())
            let answer = v1.answer(asV1)
            try await responses.write(Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: answer.serializedBytes()))
        }
    }
}
