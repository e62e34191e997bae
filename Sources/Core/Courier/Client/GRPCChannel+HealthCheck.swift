import NIOCore

// Health-checked subchannels (gRPC's health-checking.md, client side): each subchannel keeps a
// grpc.health.v1 Health/Watch stream open on its own connection, and load balancing leaves it out
// while the answer is not SERVING. Messages are encoded here by hand (a string field in, an enum
// field out): Core sits below the generated health types.
extension GRPCChannel {
    private static let healthWatch = MethodDescriptor(service: "grpc.health.v1.Health", method: "Watch", kind: .serverStreaming)

    /// Starts `subchannel`'s health watch for `service`; it runs until the subchannel closes.
    func watchHealth(of subchannel: Subchannel, service: String) {
        let request = Self.healthCheckRequest(service: service)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                do {
                    let connection = try await subchannel.pickSlot().connection()
                    let call = try await self.startCall(
                        Self.healthWatch, options: CallOptions(), firstMessage: try self.frame(encoded: request, compression: .identity),
                        endRequests: true, streamsResponses: true, on: connection)
                    try await self.finishing(call) {
                        for try await response in RawResponseStream(call: call) {
                            let serving = Self.servingStatus(response) == 1
                            subchannel.healthy.withLockedValue { $0 = serving }
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

    /// grpc.health.v1.HealthCheckRequest { service = 1 }.
    static func healthCheckRequest(service: String) -> [UInt8] {
        guard !service.isEmpty else { return [] }
        var bytes: [UInt8] = [0x0a]
        var length = service.utf8.count
        while length >= 0x80 {
            bytes.append(UInt8(length & 0x7f) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
        return bytes + Array(service.utf8)
    }

    /// grpc.health.v1.HealthCheckResponse's status (field 1, an enum): 1 SERVING, 2 NOT_SERVING,
    /// 3 SERVICE_UNKNOWN; 0 when absent.
    static func servingStatus(_ message: [UInt8]) -> Int {
        var index = 0
        var status = 0
        while index < message.count {
            let tag = message[index]
            index += 1
            guard tag & 0x07 == 0 else { return status }  // only varints are expected; stop at anything else
            var value = 0, shift = 0
            while index < message.count {
                let byte = message[index]
                index += 1
                value |= Int(byte & 0x7f) << shift
                shift += 7
                if byte & 0x80 == 0 || shift > 56 { break }
            }
            if tag >> 3 == 1 { status = value }
        }
        return status
    }
}
