import GRPCCore
import Hummingbird
import LLMPoolCore
import Logging
import Synchronization

/// The ``RequestGuards`` in force, swappable while the servers run, so a configuration reload can
/// turn authentication and rate limits on, off or change them without a restart. Requests read
/// the guards once when they arrive and finish under them.
///
/// The nonce store and, while the backend stays the same, the rate limiter carry over to the new
/// guards: a reload neither reopens the replay window nor resets tenants' usage.
public final class GuardsHolder: Sendable {
    private let state: Mutex<RequestGuards>
    /// Whether the guards in force enforce nothing: read without the lock by every request.
    private let empty: Atomic<Bool>
    /// Where HMAC nonces are kept, for every generation of guards.
    public let nonceStore: any NonceStore

    /// Creates a holder with the first guards.
    public init(_ guards: RequestGuards, nonceStore: any NonceStore) {
        state = Mutex(guards)
        empty = Atomic(guards.isEmpty)
        self.nonceStore = nonceStore
    }

    /// The guards in force.
    public var current: RequestGuards { state.withLock { $0 } }

    /// Whether the guards in force enforce nothing (no authentication, no rate limits).
    public var isEmpty: Bool { empty.load(ordering: .acquiring) }

    /// Puts new guards in force for requests arriving from now on.
    public func replace(_ guards: RequestGuards) {
        state.withLock { state in
            state = guards
            empty.store(guards.isEmpty, ordering: .releasing)
        }
    }

    /// Builds and installs the guards `configuration` asks for, keeping the nonce store and, when
    /// `rate_limits.backend` did not change, the limiter with its counts.
    /// - Parameter redisLimiter: The Redis limiter to use when the backend is `redis`.
    /// - Throws: ``PoolError`` `invalidConfiguration` when the JWT key is unusable; the old guards stay.
    public func reload(
        configuration: PoolConfiguration,
        redisLimiter: (any RateLimiter)?,
        metrics: PoolMetrics?,
        logger: Logger
    ) throws {
        replace(try prepare(configuration: configuration, redisLimiter: redisLimiter, metrics: metrics, logger: logger))
    }

    /// Builds the guards `configuration` asks for without putting them in force (see ``reload(configuration:redisLimiter:metrics:logger:)``).
    public func prepare(
        configuration: PoolConfiguration,
        redisLimiter: (any RateLimiter)?,
        metrics: PoolMetrics?,
        logger: Logger
    ) throws -> RequestGuards {
        let old = current
        var limiter: (any RateLimiter)?
        if configuration.rateLimits.enabled {
            if configuration.rateLimits.backend == .redis {
                limiter = redisLimiter
            } else if old.rateLimits.backend == .memory, let existing = old.rateLimiter {
                limiter = existing
            }
        }
        return try RequestGuards(
            configuration: configuration,
            nonceStore: nonceStore,
            rateLimiter: limiter,
            metrics: metrics,
            logger: logger
        )
    }
}

/// Runs the HTTP authentication in force when the request arrives (rate limits are the
/// ``Gateway``'s admit stage, after the body is decoded).
struct GuardsMiddleware: RouterMiddleware {
    typealias Context = PoolRequestContext
    let holder: GuardsHolder
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if holder.isEmpty { return try await next(request, context) }
        guard let authenticator = holder.current.authenticator else { return try await next(request, context) }
        return try await AuthMiddleware(
            authenticator: authenticator,
            maxBodyBytes: maxBodyBytes,
            metrics: holder.current.metrics
        )
        .handle(request, context: context, next: next)
    }
}

/// Runs the gRPC interceptors of the guards in force when the call arrives.
struct GuardsInterceptor: ServerInterceptor {
    let holder: GuardsHolder

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if holder.isEmpty { return try await next(request, context) }
        let interceptors = holder.current.interceptors()
        return try await Self.run(interceptors[...], request: request, context: context, next: next)
    }

    private static func run<Input: Sendable, Output: Sendable>(
        _ interceptors: ArraySlice<any ServerInterceptor>,
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let first = interceptors.first else { return try await next(request, context) }
        let rest = interceptors.dropFirst()
        return try await first.intercept(request: request, context: context) { request, context in
            try await run(rest, request: request, context: context, next: next)
        }
    }
}
