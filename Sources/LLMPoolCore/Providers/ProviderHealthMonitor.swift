/// The last known health of every provider, written by the ``HealthProber`` and read by
/// `/readyz` and the `Health` RPCs, which answer from it and never probe inline (a probe waits
/// behind a busy backend's running generation, so readiness would flap under normal load).
public actor ProviderHealthMonitor {
    /// The last known health of one provider.
    public struct Status: Sendable, Hashable {
        /// The provider's name.
        public var provider: String
        /// Its model.
        public var model: String
        /// The probe's result.
        public var health: ProviderHealth
        /// When it was learned.
        public var checkedAt: ContinuousClock.Instant

        /// Creates a status.
        public init(provider: String, model: String, health: ProviderHealth, checkedAt: ContinuousClock.Instant) {
            self.provider = provider
            self.model = model
            self.health = health
            self.checkedAt = checkedAt
        }
    }

    private var statuses: [String: Status] = [:]

    /// Creates an empty monitor.
    public init() {}

    /// The last known health of `providers`; one never learned yet reads as unhealthy
    /// ("not probed yet").
    public func statuses(for providers: [any Provider]) -> [Status] {
        providers.map { provider in
            statuses[provider.name]
                ?? Status(
                    provider: provider.name,
                    model: provider.model,
                    health: ProviderHealth(healthy: false, detail: "not probed yet"),
                    checkedAt: .now
                )
        }
    }

    /// The last known health of one provider, if any.
    public func status(of provider: String) -> Status? { statuses[provider] }

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
