import LLMPoolObservability

extension PoolMetrics {
    /// Creates the series every configured task, provider and outcome will have, at zero, so that
    /// dashboards, alert rules and `rate()` see them from the first scrape instead of after the
    /// first event (a counter that appears at 1 hides its first increment from `rate()`).
    /// Each provider's call series are created by its ``InstrumentedProvider`` (so providers added
    /// by a reload get them too).
    public func seed(for configuration: PoolConfiguration) {
        let tasks = configuration.tasks.keys.sorted()
        for api in RequestAPI.allCases {
            inflightRequests.labels(api.rawValue).increment(by: 0)
            for reason in [AuthenticationFailure.Reason.missingCredentials, .badSignature, .expired] {
                authFailures.labels(api.rawValue, reason.description).increment(by: 0)
            }
            for dimension in ["requests", "tokens"] { rateLimited.labels(api.rawValue, dimension).increment(by: 0) }
        }
        for task in tasks {
            for outcome in ["fired", "won", "lost", "budget_denied"] { hedges.labels(task, outcome).increment(by: 0) }
            for outcome in ["attempted", "budget_denied"] { retries.labels(task, outcome).increment(by: 0) }
        }
        for strategy in StrategyKind.allCases {
            for outcome in ["ok", "failed"] { strategyDecisions.labels(strategy.rawValue, outcome).increment(by: 0) }
        }
        strategyDecisions.labels(StrategyKind.consensus.rawValue, "no_consensus").increment(by: 0)
        strategyDecisions.labels(StrategyKind.judge.rawValue, "judge_fallback").increment(by: 0)
        for provider in configuration.providers {
            circuitBreakerState.labels(provider.name).increment(by: 0)
            for state in ["closed", "half_open", "open"] {
                circuitBreakerTransitions.labels(provider.name, state).increment(by: 0)
            }
        }
        let backend = configuration.cache.backendName
        cacheEntries.labels(backend).increment(by: 0)
        for result in ["hit", "miss", "error", "coalesced"] { cacheRequests.labels(backend, result).increment(by: 0) }
        for result in ["success", "failure"] {
            configReloads.labels(result).increment(by: 0)
            spansExported.labels(result).increment(by: 0)
        }
    }
}
