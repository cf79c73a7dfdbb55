import NIOCore
import NIOPosix

/// One TCP connection to Redis, authenticated and on the configured database, on which any number
/// of commands may be in flight at once.
final class RedisConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Whether the connection can still carry commands.
    var isActive: Bool { channel.isActive }

    /// Opens a connection, then sends `AUTH` and `SELECT` when the configuration asks for them.
    /// The future fails with a ``RedisError`` (``RedisError/Code/connectionFailed``,
    /// ``RedisError/Code/authenticationFailed``, …) and leaves no channel open.
    static func connect(configuration: RedisConfiguration, group: any EventLoopGroup) -> EventLoopFuture<
        RedisConnection
    > {
        let endpoint = "\(configuration.host):\(configuration.port)"
        let connectTimeout = TimeAmount(configuration.connectTimeout)
        let commandTimeout = TimeAmount(configuration.commandTimeout)
        return ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(RESPDecoder()),
                        RedisCommandHandler(commandTimeout: commandTimeout, endpoint: endpoint)
                    )
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .flatMapErrorThrowing { error in
                var reason = "\(error)"
                if case ChannelError.connectTimeout = error {
                    reason = "no answer within \(connectTimeout.nanoseconds / 1_000_000) ms"
                }
                throw RedisError(
                    code: .connectionFailed,
                    message: "cannot connect to redis at \(endpoint): \(reason)",
                    cause: error
                )
            }
            .flatMap { channel in
                let connection = RedisConnection(channel: channel)
                return connection.handshake(configuration, endpoint: endpoint)
                    .map { connection }
                    .flatMapError { error in
                        channel.close(promise: nil)
                        return channel.eventLoop.makeFailedFuture(error)
                    }
            }
    }

    /// Sends one command; the future holds the reply, including top-level error replies.
    func send(_ command: [String]) -> EventLoopFuture<RedisValue> {
        let reply = channel.eventLoop.makePromise(of: RedisValue.self)
        let request = RedisRequest(command: command, reply: reply)
        channel.writeAndFlush(request).whenFailure { error in
            // Normally the handler has already failed the reply; completing twice is a no-op.
            reply.fail(
                error as? RedisError
                    ?? RedisError(code: .connectionClosed, message: "cannot send to redis", cause: error)
            )
        }
        return reply.futureResult
    }

    /// Closes the channel; commands still waiting fail with ``RedisError/Code/connectionClosed``.
    func close() -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.close(promise: promise)
        return promise.futureResult.recover { _ in }  // already closed is fine
    }

    private func handshake(_ configuration: RedisConfiguration, endpoint: String) -> EventLoopFuture<Void> {
        var steps: [[String]] = []
        if let password = configuration.password {
            steps.append(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password])
        }
        if configuration.database != 0 { steps.append(["SELECT", String(configuration.database)]) }
        var future = channel.eventLoop.makeSucceededVoidFuture()
        for step in steps {
            future = future.flatMap { self.send(step) }.flatMapThrowing { reply in
                guard case .error(let text) = reply else { return }
                if step[0] == "AUTH" {
                    throw RedisError(
                        code: .authenticationFailed,
                        message: "redis at \(endpoint) rejected AUTH: \(text)"
                    )
                }
                throw RedisError(
                    code: .invalidConfiguration,
                    message: "redis at \(endpoint) rejected SELECT \(configuration.database): \(text)"
                )
            }
        }
        return future
    }
}
