import GRPCServiceMessages
import NIOCore

// Health-checked subchannels (gRPC's health-checking.md, client side): each subchannel keeps a
// grpc.health.v1 Health/Watch stream open on its own connection, and load balancing leaves it out
// while the answer is not SERVING. The health messages are the generated ones (messages only:
// GRPCServiceMessages needs no RPC stack, so Core can use them).
extension GRPCChannel {
    private static let healthWatch = MethodDescriptor(service: "grpc.health.v1.Health", method: "Watch", kind: .serverStreaming)

    /// Starts `subchannel`'s health watch for `service`; it runs until the subchannel closes.
    func watchHealth(of subchannel: Subchannel, service: String) {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = service
        let task = Task { [weak self, request] in
            while !Task.isCancelled {
                guard let self else { return }
                do {
                    let connection = try await subchannel.pickSlot().connection()
                    let call = try await self.startCall(
                        Self.healthWatch, options: CallOptions(), firstMessage: try self.frame(request, compression: .identity),
                        endRequests: true, streamsResponses: true, on: connection)
                    try await self.finishing(call) {
                        for try await response in ResponseStream<Grpc_Health_V1_HealthCheckResponse>(call: call) {
                            subchannel.healthy.withLockedValue { $0 = response.status == .serving }
                        }
                    }
                } catch let error as RPCError where error.code == .unimplemented {
                    // A server without the health service counts as healthy (as gRPC clients treat it).
                    subchannel.healthy.withLockedValue { $0 = true }
                    return
                } catch {
                    // The connection went away or the server is down: it is not picked while it
                    // backs off anyway; watch again once it may be.
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        subchannel.healthWatch.withLockedValue { $0 = task }
    }
}
