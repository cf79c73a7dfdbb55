import LLMPoolCore
import LLMPoolObservability
import Logging

extension PoolComponents {
    /// Feeds the SLO tracker's burn rates into the WEIGHTED scores and exports a first score for
    /// every provider and task, so `llm_pool_provider_score` exists before the first request.
    static func connectSignals(orchestrator: Orchestrator, configuration: PoolConfiguration, telemetry: PoolTelemetry) {
        let resilience = orchestrator.resilience
        if let slo = telemetry.slo {
            // Each provider's own failures against the task's budget over 5 minutes: a provider
            // burning the budget ranks below one that is not.
            resilience.scorer.setBurnRateSource { provider, task in
                slo.providerBurnRate(task: task, provider: provider, window: .seconds(300))
            }
        }
        let snapshot = orchestrator.snapshot
        for task in configuration.tasks.values {
            _ = resilience.scorer.scores(
                for: snapshot.providers(for: task),
                task: task.name,
                weights: resilience.providerWeights,
                configuration: configuration.qos.weighted
            )
        }
    }

    /// The answer cache `[cache]` asks for. With the Redis backend, Redis errors are counted as
    /// `llm_pool_cache_requests_total{backend="redis",result="error"}` and logged, and requests
    /// carry on without the cache.
    static func makeCache(
        _ configuration: PoolConfiguration,
        redis: RedisClient?,
        telemetry: PoolTelemetry,
        logger: Logger
    ) -> (any AnswerCache)? {
        guard configuration.cache.enabled else { return nil }
        if configuration.cache.backend == .redis, let redis {
            let errors = telemetry.metrics.cacheRequests.labels("redis", "error")
            return RedisAnswerCache(client: redis, configuration: configuration.cache) { error in
                errors.increment()
                logger.warning("redis cache unavailable; serving without it", metadata: ["error": "\(error)"])
            }
        }
        let cache = InMemoryAnswerCache(configuration: configuration.cache)
        let entries = telemetry.metrics.cacheEntries.labels("memory")
        telemetry.metrics.registry.addCollector { entries.set(Double(cache.count)) }
        return cache
    }
}
