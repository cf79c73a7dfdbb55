import AsyncHTTPClient
import LLMPoolCore
import Logging
import ServiceLifecycle

extension PoolRuntime {
    /// The configuration reloader, when the runtime serves a file: a change to the file, or
    /// SIGHUP, puts the new configuration into force through the components'
    /// ``PoolComponents/reloadApplier(overrides:)``. Reloads are counted in the orchestrator's metrics.
    func reloadServices(components: PoolComponents, logger: Logger)
        -> [ServiceGroupConfiguration.ServiceConfiguration]
    {
        guard let configPath else { return [] }
        let applier = components.reloadApplier(overrides: reloadOverrides)
        let reloader = ConfigReloader(
            path: configPath,
            metrics: components.telemetry.metrics,
            logger: logger,
            onResult: { [reloads = components.console.reloads] in reloads.record($0) },
            apply: applier.apply
        )
        return [.init(service: reloader)]
    }
}
