import Courier
import CourierProtos
import NIOConcurrencyHelpers

/// A BenchmarkService whose UnaryCall and StreamingFromServer behave as a test needs: they sleep
/// `response_size` milliseconds when `fill_username` is set, and record what they saw.
final class ProbeService: CourierService, Sendable {
    struct Observations {
        var started = 0
        var cancelled = 0
        var completed = 0
        var metadata: [Metadata] = []
        var deadlines: [Bool] = []
    }

    let observations = NIOLockedValueBox(Observations())

    var serviceDescriptor: ServiceDescriptor { Grpc_Testing_BenchmarkService.descriptor }

    var methodHandlers: [MethodHandler] {
        [
            .unary(Grpc_Testing_BenchmarkService.Method.unaryCall) { (request: Grpc_Testing_SimpleRequest, context) in
                self.observations.withLockedValue {
                    $0.started += 1
                    $0.metadata.append(context.requestMetadata)
                    $0.deadlines.append(context.deadline != nil)
                }
                do {
                    if request.fillUsername { try await Task.sleep(for: .milliseconds(Int(request.responseSize))) }
                } catch {
                    self.observations.withLockedValue { $0.cancelled += 1 }
                    throw error
                }
                self.observations.withLockedValue { $0.completed += 1 }
                var response = Grpc_Testing_SimpleResponse()
                response.username = context.requestMetadata["x-user"] ?? ""
                if let payload = request.payload { response.payload = payload }
                return response
            },
            .serverStreaming(Grpc_Testing_BenchmarkService.Method.streamingFromServer) {
                (request: Grpc_Testing_SimpleRequest, responses: ResponseStreamWriter<Grpc_Testing_SimpleResponse>, context) in
                var response = Grpc_Testing_SimpleResponse()
                response.payload = Grpc_Testing_Payload()
                response.payload?.body = [UInt8](repeating: 7, count: Int(request.responseSize))
                do {
                    while true { try await responses.write(response) }
                } catch {
                    self.observations.withLockedValue { $0.cancelled += 1 }
                    throw error
                }
            },
        ]
    }

    static func sleepRequest(milliseconds: Int32) -> Grpc_Testing_SimpleRequest {
        var request = Grpc_Testing_SimpleRequest()
        request.fillUsername = true
        request.responseSize = milliseconds
        return request
    }
}
