import HTTPTypes
import Hummingbird
import LLMPoolCore
import LLMPoolObservability
import Logging
import NIOCore

/// Enforces per-tenant request and token limits on the inference routes (`POST /v1/infer`,
/// `/v1/infer/stream`, `/v1/chat/completions`).
///
/// The tenant is the authenticated principal's, else the body's `tenant` (OpenAI: `user`), else
/// the `x-llm-pool-tenant` header, else `default`. Tokens are charged up front with
/// ``TokenEstimator`` and corrected once the answer's usage has been written (or refunded when
/// the request fails). Both admitted and rejected responses carry the `x-ratelimit-*` headers
/// (``RateLimitHeaders``); a rejection is 429 with `Retry-After` and the OpenAI error body, counted
/// in `llm_pool_rate_limited_total{api,dimension}`. When the limiter's store cannot be reached the
/// request is admitted and a warning logged: an outage of Redis must not take the pool down.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = PoolRequestContext

    private let limiter: any RateLimiter
    private let configuration: RateLimitConfiguration
    private let estimator: TokenEstimator
    private let maxBodyBytes: Int
    private let metrics: PoolMetrics?
    private let logger: Logger
    static let limitedPaths: Set<String> = ["/v1/infer", "/v1/infer/stream", "/v1/chat/completions"]

    /// Creates the middleware.
    /// - Parameters:
    ///   - limiter: Where the counters live.
    ///   - configuration: `[rate_limits]`.
    ///   - estimator: Estimates tokens before the call.
    ///   - maxBodyBytes: Largest body read (`server.max_body_bytes`).
    ///   - metrics: Where rejections are counted, if anywhere.
    ///   - logger: For limiter outages.
    public init(
        limiter: any RateLimiter,
        configuration: RateLimitConfiguration,
        estimator: TokenEstimator,
        maxBodyBytes: Int,
        metrics: PoolMetrics? = nil,
        logger: Logger
    ) {
        self.limiter = limiter
        self.configuration = configuration
        self.estimator = estimator
        self.maxBodyBytes = maxBodyBytes
        self.metrics = metrics
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        guard request.method == .post, Self.limitedPaths.contains(path) else {
            return try await next(request, context)
        }
        var request = request
        let facts = InferenceFacts(path: path, body: try await request.collectBody(upTo: maxBodyBytes))
        let tenant =
            context.principal?.tenant ?? facts.tenant ?? request.headers[.poolTenant].flatMap { $0.isEmpty ? nil : $0 }
            ?? "default"
        let limit = configuration.limit(for: tenant)
        guard limit.requestsPerMinute != nil || limit.tokensPerMinute != nil else {
            return try await next(request, context)
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
            logger.warning(
                "rate limiter unavailable; admitting the request",
                metadata: ["request_id": .string(context.requestID), "error": .string("\(error)")]
            )
            return try await next(request, context)
        }
        let headers = RateLimitHeaders(decision: decision, limit: limit)
        guard decision.allowed else {
            let dimension = decision.exceeded ?? "requests"
            metrics?.rateLimited.labels(AuthMiddleware.api(path: path), dimension).increment()
            let error = PoolError(
                code: .resourceExhausted,
                message:
                    "rate limit exceeded for tenant '\(tenant)': \(decision.limit) \(dimension) per minute; "
                    + "retry after \(RateLimitHeaders.retryAfterSeconds(decision.resetAfter)) s"
            )
            var response = error.httpResponse(requestID: context.requestID)
            Self.apply(headers, to: &response.headers)
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Nothing was generated for a failed request: give the estimate back.
            await adjust(tenant: tenant, delta: -estimate, limit: limit)
            throw error
        }
        Self.apply(headers, to: &response.headers)
        if limit.tokensPerMinute != nil, let tokens = response.headers[.poolTokens].flatMap(Int.init) {
            // The route reported the usage: no need to read it out of the body.
            await adjust(tenant: tenant, delta: tokens - estimate, limit: limit)
        } else if limit.tokensPerMinute != nil {
            let streaming = response.headers[.contentType]?.hasPrefix("text/event-stream") ?? false
            response.body = UsageTap.wrap(response.body, streaming: streaming) { [self] tokens in
                guard let tokens else { return }
                await adjust(tenant: tenant, delta: tokens - estimate, limit: limit)
            }
        }
        return response
    }

    private func adjust(tenant: String, delta: Int, limit: RateLimit) async {
        guard delta != 0 else { return }
        do {
            try await limiter.adjust(tenant: tenant, tokenDelta: delta, limit: limit)
        } catch {
            logger.warning(
                "rate limiter unavailable; token usage not corrected",
                metadata: ["tenant": .string(tenant), "error": .string("\(error)")]
            )
        }
    }

    static func apply(_ headers: RateLimitHeaders, to fields: inout HTTPFields) {
        for field in headers.fields {
            if let name = HTTPField.Name(field.name) { fields[name] = field.value }
        }
    }
}
