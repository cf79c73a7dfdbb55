import LLMPoolObservability
import Synchronization

/// One ``CircuitBreaker`` per provider name, made on first use, exporting every breaker's state
/// as `llm_pool_circuit_breaker_state{provider}` (0 closed, 1 half-open, 2 open) and its changes
/// as `llm_pool_circuit_breaker_transitions_total{provider,to}`.
///
/// The orchestrator holds one (through ``Resilience``) for the life of the process, so breakers
/// keep their state across configuration reloads; readiness reads it with ``state(of:)``.
public final class CircuitBreakerRegistry: Sendable {
    private struct State {
        var configuration: CircuitBreakerConfiguration
        var breakers: [String: CircuitBreaker] = [:]
    }

    private let state: Mutex<State>
    private let metrics: PoolMetrics?
    private let now: @Sendable () -> ContinuousClock.Instant
    private let observers: Mutex<[@Sendable (String, CircuitBreaker.Transition) -> Void]>
    /// The last transitions of every breaker, for the console.
    public let history = CircuitBreakerHistory()

    /// Creates an empty registry.
    /// - Parameters:
    ///   - configuration: `[qos.circuit_breaker]`; with `enabled = false` breakers count but never open.
    ///   - metrics: Where states and transitions are exported; `nil` exports nothing.
    ///   - now: The clock; tests pass a manual one.
    public init(
        configuration: CircuitBreakerConfiguration,
        metrics: PoolMetrics? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.state = Mutex(State(configuration: configuration))
        self.metrics = metrics
        self.now = now
        self.observers = Mutex([])
    }

    /// The breaker of `provider`, created closed on first use.
    public func breaker(for provider: String) -> CircuitBreaker {
        if let existing = state.withLock({ $0.breakers[provider] }) { return existing }
        let made = state.withLock { state in
            if let existing = state.breakers[provider] { return existing }
            let breaker = CircuitBreaker(name: provider, configuration: state.configuration, now: now) {
                [weak self] breaker, transition in
                self?.report(transition, of: breaker)
            }
            state.breakers[provider] = breaker
            return breaker
        }
        metrics?.circuitBreakerState.labels(provider).set(Double(made.state.rawValue))
        return made
    }

    private func report(_ transition: CircuitBreaker.Transition, of breaker: CircuitBreaker) {
        // The state held now, not `transition.to`: reports from two threads may arrive out of order.
        metrics?.circuitBreakerState.labels(breaker.name).set(Double(breaker.heldState.rawValue))
        metrics?.circuitBreakerTransitions.labels(breaker.name, transition.to.description).increment()
        history.record(provider: breaker.name, transition)
        for observer in observers.withLock({ $0 }) { observer(breaker.name, transition) }
    }

    /// A reading of `provider`'s breaker: state and rolling-window counts.
    public func snapshot(of provider: String) -> CircuitBreaker.Snapshot {
        breaker(for: provider).snapshot()
    }

    /// The state of `provider`'s breaker (`closed` for a provider never called).
    public func state(of provider: String) -> CircuitBreaker.State {
        breaker(for: provider).state
    }

    /// The state of every breaker made so far, by provider name.
    public var states: [String: CircuitBreaker.State] {
        let breakers = state.withLock { $0.breakers }
        return breakers.mapValues(\.state)
    }

    /// Whether breakers may open (`qos.circuit_breaker.enabled`).
    public var isEnabled: Bool { state.withLock { $0.configuration.enabled } }

    /// Applies new thresholds and timings to every breaker, keeping their states.
    public func update(_ configuration: CircuitBreakerConfiguration) {
        let breakers = state.withLock { state in
            state.configuration = configuration
            return Array(state.breakers.values)
        }
        for breaker in breakers { breaker.update(configuration) }
    }

    /// Calls `observer` after every transition of every breaker (for logs).
    public func onTransition(
        _ observer: @escaping @Sendable (_ provider: String, _ transition: CircuitBreaker.Transition) -> Void
    ) {
        observers.withLock { $0.append(observer) }
    }
}
