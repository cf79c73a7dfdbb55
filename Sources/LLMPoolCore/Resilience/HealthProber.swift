import LLMPoolObservability
import ServiceLifecycle
import Synchronization

/// Learns provider health without disturbing the backends, and records it where readiness
/// (``ProviderHealthMonitor``), WEIGHTED scores (``ProviderHealthBoard``) and
/// `llm_pool_provider_up{provider}` read it. Run it in the `ServiceGroup`; it stops on graceful
/// shutdown or cancellation.
///
/// Passive first: a provider with a call in flight keeps its last known health (probing a busy
/// llama.cpp server interrupts its running generation), and one that answered within
/// `health.passive_window_ms` is healthy without a probe. Only idle providers are probed, each
/// on its own interval and timeout. A provider whose circuit breaker is half-open is tried by
/// the probe itself — a success closes the breaker — so one that gets no traffic still recovers.
///
/// ```swift
/// let prober = HealthProber(
///     providers: { orchestrator.snapshot.providers }, monitor: monitor,
///     health: orchestrator.resilience.health, breakers: orchestrator.resilience.breakers,
///     metrics: telemetry.metrics
/// )
/// ```
public struct HealthProber: Service {
    /// How often and how patiently one provider is probed.
    public struct Schedule: Sendable, Hashable {
        /// Time between probes when idle.
        public var interval: Duration
        /// How long one probe may take before the provider counts as down.
        public var timeout: Duration

        /// Creates a schedule.
        public init(interval: Duration, timeout: Duration) {
            self.interval = interval
            self.timeout = timeout
        }
    }

    /// The provider schedules and the passive window in force (read every round, so reloads
    /// are followed).
    public struct Plan: Sendable {
        /// The default schedule (`[health]`).
        public var schedule: Schedule
        /// Per-provider overrides (`health_interval_ms`, `health_timeout_ms`), by name.
        public var overrides: [String: Schedule]
        /// A successful call within this window stands for a probe.
        public var passiveWindow: Duration

        /// Creates a plan.
        public init(schedule: Schedule, overrides: [String: Schedule] = [:], passiveWindow: Duration) {
            self.schedule = schedule
            self.overrides = overrides
            self.passiveWindow = passiveWindow
        }

        /// The plan of a configuration.
        public init(_ configuration: PoolConfiguration) {
            let health = configuration.health
            self.schedule = Schedule(interval: health.interval, timeout: health.timeout)
            self.passiveWindow = health.passiveWindow
            var overrides: [String: Schedule] = [:]
            for provider in configuration.providers
            where provider.healthInterval != nil || provider.healthTimeout != nil {
                overrides[provider.name] = Schedule(
                    interval: provider.healthInterval ?? health.interval,
                    timeout: provider.healthTimeout ?? health.timeout
                )
            }
            self.overrides = overrides
        }

        func schedule(for provider: String) -> Schedule { overrides[provider] ?? schedule }
    }

    private let providers: @Sendable () -> [any Provider]
    private let plan: @Sendable () -> Plan
    private let monitor: ProviderHealthMonitor?
    private let health: ProviderHealthBoard?
    private let breakers: CircuitBreakerRegistry?
    private let up: GaugeFamily
    private let now: @Sendable () -> ContinuousClock.Instant
    private let lastProbed = LastProbed()

    /// Creates a prober.
    /// - Parameters:
    ///   - providers: The providers, read at each round (so reloads are followed).
    ///   - plan: Schedules and the passive window, read at each round.
    ///   - monitor: Where readiness reads results, if any.
    ///   - health: Where WEIGHTED scores read results, if any.
    ///   - breakers: Where in-flight calls, the last success and half-open states are read; `nil`
    ///     probes every provider on schedule.
    ///   - metrics: Where `llm_pool_provider_up` is set.
    ///   - now: The clock.
    public init(
        providers: @escaping @Sendable () -> [any Provider],
        plan: @escaping @Sendable () -> Plan = { Plan(PoolConfiguration()) },
        monitor: ProviderHealthMonitor? = nil,
        health: ProviderHealthBoard? = nil,
        breakers: CircuitBreakerRegistry? = nil,
        metrics: PoolMetrics,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.providers = providers
        self.plan = plan
        self.monitor = monitor
        self.health = health
        self.breakers = breakers
        self.up = metrics.providerUp
        self.now = now
    }

    /// Runs rounds until graceful shutdown or cancellation.
    public func run() async throws {
        // Shutdown cancels the sleep; that is the normal end of this service, not a failure.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let plan = self.plan()
                await round(plan: plan, force: false)
                let shortest = ([plan.schedule] + plan.overrides.values).map(\.interval).min() ?? .seconds(10)
                try? await Task.sleep(for: min(shortest, .seconds(1)))
            }
        }
    }

    /// One round now, with every idle provider probed whatever its interval.
    /// - Returns: The recorded statuses, in the order of `providers()`.
    @discardableResult
    public func probeAll() async -> [ProviderHealthMonitor.Status] {
        await round(plan: plan(), force: true)
    }

    /// Decides, for each provider, between keeping its busy state, passive health and a probe,
    /// then records the results.
    @discardableResult
    func round(plan: Plan, force: Bool) async -> [ProviderHealthMonitor.Status] {
        let providers = self.providers()
        let now = self.now()
        var decided: [Int: ProviderHealthMonitor.Status] = [:]
        var toProbe: [(Int, any Provider, Schedule)] = []
        for (index, provider) in providers.enumerated() {
            let schedule = plan.schedule(for: provider.name)
            let snapshot = breakers?.breaker(for: provider.name).snapshot()
            if let snapshot, snapshot.state != .halfOpen, snapshot.inFlight > 0 {
                decided[index] = await busy(provider, inFlight: snapshot.inFlight, at: now)
            } else if let snapshot, snapshot.state != .halfOpen, let success = snapshot.lastSuccessAt,
                success.duration(to: now) <= plan.passiveWindow
            {
                let ago = success.duration(to: now)
                let detail = "passive: a call succeeded \(Int(ago.seconds.rounded())) s ago"
                decided[index] = status(provider, ProviderHealth(healthy: true, detail: detail), at: now)
            } else if force || snapshot?.state == .halfOpen || lastProbed.isDue(provider.name, schedule.interval, now) {
                toProbe.append((index, provider, schedule))
            }
        }
        let probed = await withTaskGroup(of: (Int, ProviderHealthMonitor.Status).self) { group in
            for (index, provider, schedule) in toProbe {
                group.addTask { (index, await probe(provider, schedule: schedule)) }
            }
            var collected: [(Int, ProviderHealthMonitor.Status)] = []
            for await result in group { collected.append(result) }
            return collected
        }
        for (index, status) in probed {
            decided[index] = status
            lastProbed.mark(status.provider, now)
        }
        let results = decided.sorted { $0.key < $1.key }.map(\.value)
        for status in results {
            up.labels(status.provider).set(status.health.healthy ? 1 : 0)
            health?.set(status.provider, healthy: status.health.healthy)
            await monitor?.record(status)
        }
        return results
    }

    /// A probe; for a half-open breaker, the probe is its trial call.
    private func probe(_ provider: any Provider, schedule: Schedule) async -> ProviderHealthMonitor.Status {
        let breaker = breakers?.breaker(for: provider.name)
        let permit = breaker?.state == .halfOpen ? breaker?.acquire() : nil
        let result = await ProviderHealthMonitor.probe(provider, timeout: schedule.timeout)
        if let breaker, let permit { breaker.record(permit, result.healthy ? .success : .failure) }
        return status(provider, result, at: now())
    }

    /// A busy provider keeps its last known health.
    private func busy(_ provider: any Provider, inFlight: Int, at now: ContinuousClock.Instant) async
        -> ProviderHealthMonitor.Status
    {
        let last = await monitor?.status(of: provider.name)
        var health = last?.health ?? ProviderHealth(healthy: true)
        health.detail = "busy: \(inFlight) call(s) in flight; not probed"
        return status(provider, health, at: now)
    }

    private func status(_ provider: any Provider, _ health: ProviderHealth, at now: ContinuousClock.Instant)
        -> ProviderHealthMonitor.Status
    {
        ProviderHealthMonitor.Status(provider: provider.name, model: provider.model, health: health, checkedAt: now)
    }
}

/// When each provider was last probed.
private final class LastProbed: Sendable {
    private let times = Mutex<[String: ContinuousClock.Instant]>([:])

    func isDue(_ provider: String, _ interval: Duration, _ now: ContinuousClock.Instant) -> Bool {
        times.withLock { times in times[provider].map { $0.duration(to: now) >= interval } ?? true }
    }

    func mark(_ provider: String, _ now: ContinuousClock.Instant) {
        times.withLock { $0[provider] = now }
    }
}
