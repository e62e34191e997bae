import Courier
import GRPCServiceProtos

/// `grpc.reflection.v1.ServerReflection`, answered from embedded descriptors.
final class ReflectionServiceV1: Grpc_Reflection_V1_ServerReflection.ServiceProtocol {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
    typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

    let index: ReflectionIndex

    init(index: ReflectionIndex) {
        self.index = index
    }

    func serverReflectionInfo(
        requests: RequestStream<Request>, responses: ResponseStreamWriter<Response>, context: ServerContext
    ) async throws {
        for try await request in requests {
            try await responses.write(answer(request))
        }
    }

    func answer(_ request: Request) -> Response {
        var response = Response()
        response.validHost = request.host
        response.originalRequest = request
        let question: ReflectionIndex.Request
        switch request.messageRequest {
        case .fileByFilename(let name)?: question = .fileByName(name)
        case .fileContainingSymbol(let symbol)?: question = .fileContainingSymbol(symbol)
        case .fileContainingExtension(let e)?: question = .fileContainingExtension(type: e.containingType, number: e.extensionNumber)
        case .allExtensionNumbersOfType(let type)?: question = .allExtensionNumbers(type: type)
        case .listServices?: question = .listServices
        case nil:
            var error = Grpc_Reflection_V1_ErrorResponse()
            error.errorCode = Int32(StatusCode.invalidArgument.rawValue)
            error.errorMessage = "the request names no question"
            response.messageResponse = .errorResponse(error)
            return response
        }
        switch index.answer(question) {
        case .files(let files):
            var answer = Grpc_Reflection_V1_FileDescriptorResponse()
            answer.fileDescriptorProto = files
            response.messageResponse = .fileDescriptorResponse(answer)
        case .services(let names):
            var answer = Grpc_Reflection_V1_ListServiceResponse()
            answer.service = names.map { name in
                var service = Grpc_Reflection_V1_ServiceResponse()
                service.name = name
                return service
            }
            response.messageResponse = .listServicesResponse(answer)
        case .extensionNumbers(let type, let numbers):
            var answer = Grpc_Reflection_V1_ExtensionNumberResponse()
            answer.baseTypeName = type
            answer.extensionNumber = numbers
            response.messageResponse = .allExtensionNumbersResponse(answer)
        case .error(let code, let message):
            var error = Grpc_Reflection_V1_ErrorResponse()
            error.errorCode = Int32(code.rawValue)
            error.errorMessage = message
            response.messageResponse = .errorResponse(error)
        }
        return response
    }
}
