import NIOCore

/// A command on its way to Redis, with the promise its reply completes.
struct RedisRequest: Sendable {
    var command: [String]
    var reply: EventLoopPromise<RedisValue>
}

/// Pipelines commands on one channel: writes each command at once and completes promises in the
/// order replies arrive, which is the order commands were sent (Redis answers in order).
///
/// When a reply is late beyond the command timeout, every waiting command fails and the channel
/// closes: the replies still in flight would otherwise be matched to the wrong commands.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RedisValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var reply: EventLoopPromise<RedisValue>
        var timer: Scheduled<Void>
    }

    private let commandTimeout: TimeAmount
    private let endpoint: String
    private var pending = CircularBuffer<Pending>()
    /// Set once the channel failed or closed; later writes fail with it at once.
    private var failure: RedisError?

    init(commandTimeout: TimeAmount, endpoint: String) {
        self.commandTimeout = commandTimeout
        self.endpoint = endpoint
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.reply.fail(failure)
            promise?.fail(failure)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        RESPEncoder.encodeCommand(request.command, into: &buffer)
        let timeout = commandTimeout
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            let millis = timeout.nanoseconds / 1_000_000
            fail(
                context: context,
                with: RedisError(
                    code: .timeout,
                    message: "redis at \(endpoint) did not reply within \(millis) ms; the connection was closed"
                )
            )
        }
        pending.append(Pending(reply: request.reply, timer: timer))
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let head = pending.popFirst() else {
            fail(
                context: context,
                with: RedisError(code: .protocolError, message: "redis at \(endpoint) sent a reply nobody asked for")
            )
            return
        }
        head.timer.cancel()
        head.reply.succeed(value)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let redisError =
            error as? RedisError
            ?? RedisError(code: .connectionClosed, message: "connection to redis at \(endpoint) failed", cause: error)
        fail(context: context, with: redisError)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError(code: .connectionClosed, message: "redis at \(endpoint) closed the connection"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(RedisError(code: .connectionClosed, message: "the connection to redis at \(endpoint) was closed"))
    }

    /// Closes the channel, then fails what was waiting with `error`. Closing first means that by
    /// the time a caller learns of the failure the connection is already inactive, so the pool
    /// hands out a new one instead of this one.
    private func fail(context: ChannelHandlerContext, with error: RedisError) {
        let waiting = pending
        pending.removeAll()
        markFailed()
        context.close(promise: nil)
        for entry in waiting {
            entry.timer.cancel()
            entry.reply.fail(error)
        }
    }

    private func failAll(_ error: RedisError) {
        markFailed()
        while let entry = pending.popFirst() {
            entry.timer.cancel()
            entry.reply.fail(error)
        }
    }

    private func markFailed() {
        if failure == nil {
            failure = RedisError(code: .connectionClosed, message: "the connection to redis at \(endpoint) was closed")
        }
    }
}
