import NIOCore

/// The pipeline of one Redis connection: commands go out in order, replies come back in the same
/// order (RESP has no ids) and complete the oldest outstanding request. Every request is
/// completed exactly once, here: with its replies, or failed when the connection ends or the
/// oldest request outlives its deadline (then the connection is closed, since later replies
/// could no longer be matched). Confined to the channel's event loop.
final class RedisConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Outstanding {
        var expected: Int
        var replies: [RESPValue]
        var deadline: NIODeadline
        var promise: EventLoopPromise<[RESPValue]>
    }

    private let reader = RESPReader()
    private var outstanding = CircularBuffer<Outstanding>()
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    /// Why the connection can take no more commands; nil while it can.
    private var ended: RedisError?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(ended ?? .connectionLost("the connection closed"))
        self.context = nil
    }

    /// Writes `commands` at once and completes `promise` with their replies, in order.
    func send(_ commands: [RedisCommand], deadline: NIODeadline, promise: EventLoopPromise<[RESPValue]>) {
        guard let context, ended == nil, !commands.isEmpty else {
            promise.fail(ended ?? (commands.isEmpty ? .protocolViolation("no command") : .connectionLost("the connection closed")))
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * commands.count)
        for command in commands { command.encode(into: &buffer) }
        outstanding.append(Outstanding(expected: commands.count, replies: [], deadline: deadline, promise: promise))
        armTimer()
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do throws(RedisError) {
            try buffer.withUnsafeReadableBytes { bytes throws(RedisError) in try reader.feed(bytes) }
            while let reply = try reader.next() {
                guard !outstanding.isEmpty else { throw .protocolViolation("a reply to no command") }
                outstanding[outstanding.startIndex].replies.append(reply)
                if outstanding.first!.replies.count == outstanding.first!.expected {
                    let done = outstanding.removeFirst()
                    done.promise.succeed(done.replies)
                }
            }
        } catch {
            end(error, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(ended ?? .connectionLost("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(.connectionLost("\(error)"), context: context)
    }

    private func end(_ error: RedisError, context: ChannelHandlerContext) {
        if ended == nil { ended = error }
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        timer?.cancel()
        timer = nil
        while let request = outstanding.popFirst() { request.promise.fail(error) }
    }

    /// One timer for the oldest request (requests are answered in order, so it is the first late).
    private func armTimer() {
        guard timer == nil, let oldest = outstanding.first, let context else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: oldest.deadline) { handler.value.timerFired() }
    }

    private func timerFired() {
        timer = nil
        guard let first = outstanding.first, let context else { return }
        if first.deadline <= .now() {
            end(.timedOut("no reply within the command timeout"), context: context)
        } else {
            armTimer()
        }
    }
}
