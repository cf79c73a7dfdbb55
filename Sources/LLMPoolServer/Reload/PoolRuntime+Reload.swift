import AsyncHTTPClient
import LLMPoolCore
import Logging
import ServiceLifecycle

extension PoolRuntime {
    /// The configuration reloader, when the runtime serves a file: a change to the file, or
    /// SIGHUP, puts the new configuration into force through a ``PoolReloadApplier``. Reloads are
    /// counted in the orchestrator's metrics.
    func reloadServices(components: PoolComponents, httpClient: HTTPClient, logger: Logger)
        -> [ServiceGroupConfiguration.ServiceConfiguration]
    {
        guard let configPath else { return [] }
        let orchestrator = components.orchestrator
        var applier = PoolReloadApplier(
            orchestrator: orchestrator,
            httpClient: httpClient,
            logger: logger,
            overrides: reloadOverrides
        )
        let holder = components.guardsHolder
        let redisLimiter = components.redisLimiter
        let metrics = orchestrator.telemetry.metrics
        applier.prepareGuards = { configuration in
            let guards = try holder.prepare(
                configuration: configuration,
                redisLimiter: redisLimiter,
                metrics: metrics,
                logger: logger
            )
            return { holder.replace(guards) }
        }
        let reloader = ConfigReloader(
            path: configPath,
            metrics: orchestrator.telemetry.metrics,
            logger: logger,
            apply: applier.apply
        )
        return [.init(service: reloader)]
    }
}
