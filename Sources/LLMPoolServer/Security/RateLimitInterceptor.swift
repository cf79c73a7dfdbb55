import GRPCCore
import LLMPoolCore
import LLMPoolObservability
import LLMPoolProto
import Logging

/// Enforces per-tenant limits on `Infer` and `InferStream`, as ``RateLimitMiddleware`` does over HTTP.
///
/// The tenant is ``AuthenticatedPrincipal/current``'s (set by ``AuthInterceptor``), else the
/// `Query`'s `tenant`, else the `x-llm-pool-tenant` metadata, else `default`. A rejection ends the
/// RPC with RESOURCE_EXHAUSTED, a message, and `retry-after` plus the `x-ratelimit-*` keys in the
/// trailing metadata; an admitted call gets the `x-ratelimit-*` keys in its initial metadata. The
/// token estimate is corrected from the `Answer`'s (or final chunk's) usage, and refunded when
/// the call fails.
public struct RateLimitInterceptor: ServerInterceptor {
    private let limiter: any RateLimiter
    private let configuration: RateLimitConfiguration
    private let estimator: TokenEstimator
    private let metrics: PoolMetrics?
    private let logger: Logger

    /// Creates the interceptor.
    /// - Parameters:
    ///   - limiter: Where the counters live.
    ///   - configuration: `[rate_limits]`.
    ///   - estimator: Estimates tokens before the call.
    ///   - metrics: Where rejections are counted, if anywhere.
    ///   - logger: For limiter outages.
    public init(
        limiter: any RateLimiter,
        configuration: RateLimitConfiguration,
        estimator: TokenEstimator,
        metrics: PoolMetrics? = nil,
        logger: Logger
    ) {
        self.limiter = limiter
        self.configuration = configuration
        self.estimator = estimator
        self.metrics = metrics
        self.logger = logger
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard Input.self == Vvtv_Llmpool_V1_Query.self else { return try await next(request, context) }
        let (messages, replay) = try await RequestMessages.buffer(request)
        guard let query = messages.first as? Vvtv_Llmpool_V1_Query else { return try await next(replay, context) }
        let facts = InferenceFacts(query: query)
        let tenant =
            AuthenticatedPrincipal.current?.tenant ?? facts.tenant
            ?? RequestMessages.first(RequestGuards.tenantHeader, in: request.metadata).flatMap { $0.isEmpty ? nil : $0 }
            ?? "default"
        let limit = configuration.limit(for: tenant)
        guard limit.requestsPerMinute != nil || limit.tokensPerMinute != nil else {
            return try await next(replay, context)
        }
        let estimate = estimator.estimate(
            task: facts.task,
            promptBytes: facts.promptBytes,
            requestedMaxTokens: facts.maxTokens
        )
        let decision: RateLimitDecision
        do {
            decision = try await limiter.acquire(tenant: tenant, estimatedTokens: estimate, limit: limit)
        } catch {
            logger.warning("rate limiter unavailable; admitting the request", metadata: ["error": .string("\(error)")])
            return try await next(replay, context)
        }
        var rateMetadata = Metadata()
        for field in RateLimitHeaders(decision: decision, limit: limit).fields {
            rateMetadata.addString(field.value, forKey: field.name)
        }
        guard decision.allowed else {
            let dimension = decision.exceeded ?? "requests"
            metrics?.rateLimited.labels(RequestAPI.grpc.rawValue, dimension).increment()
            rateMetadata.addString(PoolError.Code.resourceExhausted.description, forKey: "llm-pool-error")
            return StreamingServerResponse(
                error: RPCError(
                    code: .resourceExhausted,
                    message:
                        "rate limit exceeded for tenant '\(tenant)': \(decision.limit) \(dimension) per minute; "
                        + "retry after \(RateLimitHeaders.retryAfterSeconds(decision.resetAfter)) s",
                    metadata: rateMetadata
                )
            )
        }
        let response: StreamingServerResponse<Output>
        do {
            response = try await next(replay, context)
        } catch {
            await adjust(tenant: tenant, delta: -estimate, limit: limit)
            throw error
        }
        guard case .success(var contents) = response.accepted else {
            await adjust(tenant: tenant, delta: -estimate, limit: limit)
            return response
        }
        contents.metadata.add(contentsOf: rateMetadata)
        let producer = contents.producer
        contents.producer = { [self] writer in
            let usage = UsageRecorder()
            let observing = RPCWriter(wrapping: UsageObservingWriter(base: writer, usage: usage))
            do {
                let trailers = try await producer(observing)
                await adjust(tenant: tenant, delta: (usage.tokens ?? estimate) - estimate, limit: limit)
                return trailers
            } catch {
                await adjust(tenant: tenant, delta: (usage.tokens ?? 0) - estimate, limit: limit)
                throw error
            }
        }
        return StreamingServerResponse(accepted: .success(contents))
    }

    private func adjust(tenant: String, delta: Int, limit: RateLimit) async {
        guard delta != 0, limit.tokensPerMinute != nil else { return }
        do {
            try await limiter.adjust(tenant: tenant, tokenDelta: delta, limit: limit)
        } catch {
            logger.warning(
                "rate limiter unavailable; token usage not corrected",
                metadata: ["tenant": .string(tenant), "error": .string("\(error)")]
            )
        }
    }
}
