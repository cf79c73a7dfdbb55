import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Redis client speaking RESP2 over a small pool of pipelined connections.
///
/// Connections open lazily on first use, send `AUTH` and `SELECT` as configured, and reopen on
/// the next command after a failure, so a client created while Redis is down starts working once
/// it is up. While Redis is unreachable each command fails fast with a ``RedisError``: at once when
/// the connection is refused, after ``RedisConfiguration/connectTimeout`` when nothing answers.
///
/// Shut it down with ``shutdown()``, or run it in a `ServiceGroup` (it is a `Service` whose
/// ``run()`` waits for graceful shutdown, then closes the connections; list it before the services
/// that use it so it stops after them).
///
/// ```swift
/// let redis = try RedisClient(url: "redis://127.0.0.1:6379/0")
/// try await redis.set("greeting", "hello", ttl: .seconds(30))
/// let greeting = try await redis.get("greeting")   // "hello"
/// await redis.shutdown()
/// ```
public final class RedisClient: Sendable, Service {
    /// Where the client connects, its pool size, timeouts and key prefix.
    public let configuration: RedisConfiguration
    private let pool: RedisConnectionPool

    /// Creates a client; nothing connects until the first command.
    /// - Parameters:
    ///   - configuration: The server, pool size and timeouts.
    ///   - eventLoopGroup: Where connections run. Default: the shared NIO singleton group.
    ///   - logger: Receives connection failures at `debug`.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = NIOSingletons.posixEventLoopGroup,
        logger: Logger = Logger(label: "llm-pool.redis")
    ) {
        self.configuration = configuration
        self.pool = RedisConnectionPool(configuration: configuration, group: eventLoopGroup, logger: logger)
    }

    /// Creates a client from a `redis://` URL with default pool size and timeouts.
    /// - Throws: ``RedisError`` with code ``RedisError/Code/invalidConfiguration`` for a bad URL.
    public convenience init(url: String, logger: Logger = Logger(label: "llm-pool.redis")) throws(RedisError) {
        self.init(configuration: try RedisConfiguration(url: url), logger: logger)
    }

    /// Sends one command, such as `["INCRBY", "counter", "2"]`, and returns its reply.
    /// - Throws: ``RedisError``: ``RedisError/Code/serverError`` when Redis replies with an error
    ///   (its text is the message), ``RedisError/Code/authenticationFailed`` for `NOAUTH`, and
    ///   connection, timeout and shutdown failures.
    public func send(_ command: [String]) async throws -> RedisValue {
        guard !command.isEmpty else {
            throw RedisError(code: .invalidConfiguration, message: "cannot send an empty redis command")
        }
        let reply: RedisValue
        do {
            let connection = try await pool.connection()
            reply = try await connection.send(command).get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .connectionClosed, message: "redis command \(command[0]) failed", cause: error)
        }
        guard case .error(let text) = reply else { return reply }
        if text.hasPrefix("NOAUTH") {
            throw RedisError(
                code: .authenticationFailed,
                message: "redis at \(configuration.host):\(configuration.port) requires a password (\(text)); "
                    + "give it in the URL: redis://:password@host:port/db"
            )
        }
        throw RedisError(code: .serverError, message: text)
    }

    /// Checks the server answers `PING`.
    /// - Throws: ``RedisError`` when it does not.
    public func ping() async throws {
        let reply = try await send(["PING"])
        guard reply.string == "PONG" else { throw Self.unexpected(reply, to: "PING") }
    }

    /// The string at `key`, or `nil` when there is none.
    /// - Throws: ``RedisError``, including ``RedisError/Code/serverError`` when `key` holds another type.
    public func get(_ key: String) async throws -> String? {
        let reply = try await send(["GET", key])
        if reply.isNull { return nil }
        guard let text = reply.string else { throw Self.unexpected(reply, to: "GET") }
        return text
    }

    /// Stores `value` at `key`, replacing what was there.
    /// - Parameter ttl: When the key expires (`PX`, in whole milliseconds, at least 1); `nil` for never.
    /// - Throws: ``RedisError``.
    public func set(_ key: String, _ value: String, ttl: Duration? = nil) async throws {
        var command = ["SET", key, value]
        if let ttl { command += ["PX", String(ttl.redisMilliseconds)] }
        let reply = try await send(command)
        guard reply.string == "OK" else { throw Self.unexpected(reply, to: "SET") }
    }

    /// Stores `value` at `key` only if the key does not exist (`SET … NX`).
    /// - Parameter ttl: When the key expires (`PX`); `nil` for never.
    /// - Returns: `true` when the value was stored, `false` when the key already existed.
    /// - Throws: ``RedisError``.
    public func setNX(_ key: String, _ value: String, ttl: Duration? = nil) async throws -> Bool {
        var command = ["SET", key, value, "NX"]
        if let ttl { command += ["PX", String(ttl.redisMilliseconds)] }
        let reply = try await send(command)
        if reply.isNull { return false }
        guard reply.string == "OK" else { throw Self.unexpected(reply, to: "SET NX") }
        return true
    }

    /// Runs a Lua script: `EVALSHA` first, then `EVAL` (which also caches it) if Redis answers
    /// `NOSCRIPT`, as after a restart or `SCRIPT FLUSH`.
    /// - Parameters:
    ///   - keys: The script's `KEYS`.
    ///   - arguments: The script's `ARGV`.
    /// - Returns: The script's reply.
    /// - Throws: ``RedisError``; a script error is ``RedisError/Code/serverError``.
    public func eval(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) async throws -> RedisValue {
        let tail = [String(keys.count)] + keys + arguments
        do {
            return try await evalSHA(script.sha1, keys: keys, arguments: arguments)
        } catch let error as RedisError where error.code == .serverError && error.message.hasPrefix("NOSCRIPT") {
            return try await send(["EVAL", script.source] + tail)
        }
    }

    /// Runs a script Redis already caches, by its SHA-1.
    /// - Throws: ``RedisError``; ``RedisError/Code/serverError`` with a `NOSCRIPT` message when
    ///   Redis does not know the script.
    public func evalSHA(_ sha1: String, keys: [String] = [], arguments: [String] = []) async throws -> RedisValue {
        try await send(["EVALSHA", sha1, String(keys.count)] + keys + arguments)
    }

    /// Closes every connection. Commands sent afterwards throw ``RedisError/Code/shutdown``.
    public func shutdown() async {
        await pool.shutdown()
    }

    /// Waits for graceful shutdown (or cancellation) of the service group, then calls ``shutdown()``.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    private static func unexpected(_ reply: RedisValue, to command: String) -> RedisError {
        RedisError(code: .unexpectedReply, message: "unexpected reply to \(command): \(reply)")
    }
}
