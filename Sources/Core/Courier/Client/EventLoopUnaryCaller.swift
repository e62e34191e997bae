import CourierHTTP2
import NIOCore

/// Unary calls made on one connection from that connection's own event loop, each outcome handed
/// to a closure on the same loop: no task, continuation or thread hop per call. For load
/// generators that keep thousands of calls in flight from one thread (loadtest); the channel's
/// interceptors do not run on this path. A benchmark entry point, not part of the API:
/// `@_spi(Benchmarking) import Courier`.
@_spi(Benchmarking)
public struct EventLoopUnaryCaller: Sendable {
    let channel: GRPCChannel
    let connection: ClientConnection

    /// The loop `call` must be used on, and where completions run.
    public var eventLoop: any EventLoop { connection.eventLoop }

    /// Starts a call with an already framed request (`GRPCChannel.frame(encoded:)`; the buffer
    /// can be reused for every call). Must be called on `eventLoop`.
    public func call(
        _ method: MethodDescriptor, framedRequest: ByteBuffer, options: CallOptions,
        completion: @escaping (Result<UnaryResponse<ByteBuffer>, any Error>) -> Void
    ) {
        eventLoop.preconditionInEventLoop()
        do {
            let deadline = try channel.deadline(options)
            let headers = try channel.requestHeaders(method, connection: connection, options: options, deadline: deadline)
            _ = connection.startCall(
                headers: headers, deadline: deadline, delivery: .callback(completion),
                maxReceiveMessageSize: channel.configuration.maxReceiveMessageSize, metadata: nil,
                firstMessage: framedRequest, endRequests: true)
        } catch {
            completion(.failure(error))
        }
    }
}

extension GRPCChannel {
    /// One caller per connection of the channel, each connected first.
    @_spi(Benchmarking)
    public func eventLoopUnaryCallers() async throws -> [EventLoopUnaryCaller] {
        try await allConnections().map { EventLoopUnaryCaller(channel: self, connection: $0) }
    }
}
