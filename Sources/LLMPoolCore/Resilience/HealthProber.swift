import LLMPoolObservability
import ServiceLifecycle

/// Probes every provider's health on a schedule: sets `llm_pool_provider_up{provider}`, records
/// the result in the ``ProviderHealthMonitor`` that readiness reads and in the
/// ``ProviderHealthBoard`` that WEIGHTED scores read. Run it in the `ServiceGroup`; it stops on
/// graceful shutdown or cancellation.
///
/// ```swift
/// let prober = HealthProber(
///     providers: { orchestrator.snapshot.providers }, monitor: monitor,
///     health: orchestrator.resilience.health, metrics: telemetry.metrics
/// )
/// let group = ServiceGroup(services: [prober, httpServer, grpcServer], logger: logger)
/// ```
public struct HealthProber: Service {
    /// How often and how patiently to probe.
    public struct Configuration: Sendable, Hashable {
        /// Time between rounds of probes. Default 10 s.
        public var interval: Duration
        /// How long one probe may take before the provider counts as down. Default 2 s.
        public var timeout: Duration

        /// Creates a configuration.
        public init(interval: Duration = .seconds(10), timeout: Duration = .seconds(2)) {
            self.interval = interval
            self.timeout = timeout
        }

        /// 10 s between rounds, 2 s per probe.
        public static var defaults: Configuration { .init() }
    }

    private let providers: @Sendable () -> [any Provider]
    private let monitor: ProviderHealthMonitor?
    private let health: ProviderHealthBoard?
    private let up: GaugeFamily
    private let configuration: Configuration

    /// Creates a prober.
    /// - Parameters:
    ///   - providers: The providers to probe, read at each round (so reloads are followed).
    ///   - monitor: Where readiness reads results, if any.
    ///   - health: Where WEIGHTED scores read results, if any.
    ///   - metrics: Where `llm_pool_provider_up` is set.
    ///   - configuration: Interval and timeout.
    public init(
        providers: @escaping @Sendable () -> [any Provider],
        monitor: ProviderHealthMonitor? = nil,
        health: ProviderHealthBoard? = nil,
        metrics: PoolMetrics,
        configuration: Configuration = .defaults
    ) {
        self.providers = providers
        self.monitor = monitor
        self.health = health
        self.up = metrics.providerUp
        self.configuration = configuration
    }

    /// Probes every `interval` until graceful shutdown or cancellation.
    public func run() async throws {
        // Shutdown cancels the sleep; that is the normal end of this service, not a failure.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await probeAll()
                try? await Task.sleep(for: configuration.interval)
            }
        }
    }

    /// Probes every provider once, concurrently, and records the results.
    /// - Returns: The results, in the order of `providers()`.
    @discardableResult
    public func probeAll() async -> [ProviderHealthMonitor.Status] {
        let providers = self.providers()
        let timeout = configuration.timeout
        let results = await withTaskGroup(of: (Int, ProviderHealthMonitor.Status).self) { group in
            for (index, provider) in providers.enumerated() {
                group.addTask {
                    let health = await ProviderHealthMonitor.probe(provider, timeout: timeout)
                    return (
                        index,
                        ProviderHealthMonitor.Status(
                            provider: provider.name,
                            model: provider.model,
                            health: health,
                            checkedAt: .now
                        )
                    )
                }
            }
            var collected: [(Int, ProviderHealthMonitor.Status)] = []
            for await result in group { collected.append(result) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for status in results {
            up.labels(status.provider).set(status.health.healthy ? 1 : 0)
            health?.set(status.provider, healthy: status.health.healthy)
            await monitor?.record(status)
        }
        return results
    }
}
