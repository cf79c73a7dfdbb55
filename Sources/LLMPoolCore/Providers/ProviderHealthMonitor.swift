/// Probes providers' health and remembers the results for a short time, so `/readyz` and the
/// `Health` RPC do not hammer backends.
public actor ProviderHealthMonitor {
    /// The last known health of one provider.
    public struct Status: Sendable, Hashable {
        /// The provider's name.
        public var provider: String
        /// Its model.
        public var model: String
        /// The probe's result.
        public var health: ProviderHealth
        /// When it was probed.
        public var checkedAt: ContinuousClock.Instant
    }

    private var statuses: [String: Status] = [:]
    private let maxAge: Duration
    private let probeTimeout: Duration

    /// Creates a monitor.
    /// - Parameters:
    ///   - maxAge: How long a probe result is reused.
    ///   - probeTimeout: How long one probe may take before the provider counts as unhealthy.
    public init(maxAge: Duration = .seconds(2), probeTimeout: Duration = .seconds(2)) {
        self.maxAge = maxAge
        self.probeTimeout = probeTimeout
    }

    /// The health of every provider, probing those whose result is older than `maxAge`.
    public func check(_ providers: [any Provider]) async -> [Status] {
        let now = ContinuousClock.now
        let stale = providers.filter { provider in
            guard let status = statuses[provider.name] else { return true }
            return status.checkedAt.duration(to: now) > maxAge
        }
        if !stale.isEmpty {
            let timeout = probeTimeout
            let results = await withTaskGroup(of: Status.self) { group in
                for provider in stale {
                    group.addTask {
                        let health = await Self.probe(provider, timeout: timeout)
                        return Status(provider: provider.name, model: provider.model, health: health, checkedAt: .now)
                    }
                }
                var collected: [Status] = []
                for await status in group { collected.append(status) }
                return collected
            }
            for status in results { statuses[status.provider] = status }
        }
        return providers.compactMap { statuses[$0.name] }
    }

    /// Records a health result observed elsewhere (for example by a prober service).
    public func record(_ status: Status) {
        statuses[status.provider] = status
    }

    /// Probes one provider, reporting it unhealthy when it does not answer within `timeout`.
    static func probe(_ provider: any Provider, timeout: Duration) async -> ProviderHealth {
        await withTaskGroup(of: ProviderHealth?.self) { group in
            group.addTask { await provider.health() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? ProviderHealth(healthy: false, detail: "health check timed out after \(timeout)")
        }
    }
}

/// Whether the pool can serve each task.
public struct ReadinessReport: Sendable {
    /// Tasks with no provider that can take a call: none healthy, or every healthy one's
    /// circuit breaker open.
    public var unservedTasks: [String]
    /// Every provider's health.
    public var providers: [ProviderHealthMonitor.Status]

    /// Ready when every task has at least one healthy provider whose breaker lets calls through.
    public var ready: Bool { unservedTasks.isEmpty }

    /// Computes readiness from a snapshot, provider statuses and circuit-breaker states.
    /// - Parameter breakers: Breaker states by provider name; a provider whose breaker is open
    ///   cannot serve (half-open ones can: they take a trial call).
    public init(
        snapshot: PoolSnapshot,
        statuses: [ProviderHealthMonitor.Status],
        breakers: [String: CircuitBreaker.State] = [:]
    ) {
        let serving = Set(
            statuses.filter { $0.health.healthy && breakers[$0.provider] != .open }.map(\.provider)
        )
        self.unservedTasks = snapshot.configuration.tasks.values
            .filter { task in !task.providers.contains(where: serving.contains) }
            .map(\.name).sorted()
        self.providers = statuses
    }
}
