import LLMPoolCore
import LLMPoolObservability
import Logging

/// The admit and settle stages of the ``Gateway``: per-tenant request and token limits.
///
/// Tokens are charged up front with the call's estimate and corrected from the answer's usage
/// (``InferenceAnswer/usage``, also the final event of a stream) once it is known, or refunded
/// when the call fails; the same for every front door. When the limiter's store cannot be
/// reached, the call is admitted and a warning logged: an outage of Redis must not take the pool
/// down.
struct RateLimitStage: Sendable {
    let guards: GuardsHolder?

    /// Charges the call to its tenant, or refuses it.
    func admit(_ call: InferenceCall) async -> Admission {
        var admission = Admission(call: call, rateLimitFields: [], rejection: nil, charge: nil)
        guard let guards, !guards.isEmpty else { return admission }
        let current = guards.current
        guard let limiter = current.rateLimiter else { return admission }
        let limit = current.rateLimits.limit(for: call.tenant)
        guard limit.requestsPerMinute != nil || limit.tokensPerMinute != nil else { return admission }
        let decision: RateLimitDecision
        do {
            decision = try await limiter.acquire(tenant: call.tenant, estimatedTokens: call.tokenEstimate, limit: limit)
        } catch {
            current.logger.warning(
                "rate limiter unavailable; admitting the request",
                metadata: ["request_id": .string(call.requestID), "error": .string("\(error)")]
            )
            return admission
        }
        admission.rateLimitFields = RateLimitHeaders(decision: decision, limit: limit).fields
        guard decision.allowed else {
            let dimension = decision.exceeded ?? "requests"
            current.metrics?.rateLimited.labels(call.api.rawValue, dimension).increment()
            let retryAfter = RateLimitHeaders.retryAfterSeconds(decision.resetAfter)
            admission.rejection = PoolError(
                code: .resourceExhausted,
                message: "rate limit exceeded for tenant '\(call.tenant)': \(decision.limit) \(dimension) per minute; "
                    + "retry after \(retryAfter) s"
            )
            return admission
        }
        if limit.tokensPerMinute != nil {
            admission.charge = .init(limiter: limiter, limit: limit, estimate: call.tokenEstimate)
        }
        return admission
    }

    /// Replaces the estimate with the tokens the call used; a failed call (`usage == nil`) is
    /// refunded in full.
    func settle(_ admission: Admission, usage: TokenUsage?, logger: Logger) async {
        guard let charge = admission.charge else { return }
        let delta = (usage?.totalTokens ?? 0) - charge.estimate
        guard delta != 0 else { return }
        do {
            try await charge.limiter.adjust(tenant: admission.call.tenant, tokenDelta: delta, limit: charge.limit)
        } catch {
            logger.warning(
                "rate limiter unavailable; token usage not corrected",
                metadata: ["tenant": .string(admission.call.tenant), "error": .string("\(error)")]
            )
        }
    }
}
