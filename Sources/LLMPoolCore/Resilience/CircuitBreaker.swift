import Synchronization

/// A circuit breaker for one provider: stops sending it requests while it is failing, and lets a
/// few probes through after a cool-down to find out whether it recovered.
///
/// ```
///   failure rate ≥ failure_rate over window_ms (≥ minimum_calls calls)
///   or consecutive_failures in a row
///   closed ────────────────────▶ open
///      ▲                         │  cooldown_ms passed
///      │ a probe succeeds        ▼
///      └──────────────────── half-open ── a probe fails ──▶ open
///              (half_open_probes calls let through)
/// ```
///
/// Only failures of the provider count (`upstream_failed`, `unavailable`, timeouts, …): a call
/// cancelled because another one won, or refused because the request was invalid, says nothing
/// about the provider's health and is ``Outcome/ignored``.
///
/// Apart from its state, a breaker can be *held off* until an instant (``holdOff(until:)``): a
/// provider that answered 429 with `Retry-After` gets no call until then, whatever the state, and
/// the 429 does not count as a failure.
///
/// Time comes from an injected `now`, so tests move it instead of sleeping. State changes are
/// reported to `onTransition` (the ``CircuitBreakerRegistry`` exports them as metrics).
public final class CircuitBreaker: Sendable {
    /// The breaker's state; the raw value is the `llm_pool_circuit_breaker_state` gauge value.
    public enum State: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Calls flow; failures are counted.
        case closed = 0
        /// Cool-down over: a limited number of probe calls may go through.
        case halfOpen = 1
        /// Calls are refused until the cool-down ends.
        case open = 2

        /// `closed`, `half_open` or `open`, as the `to` label of transitions and in messages.
        public var description: String {
            switch self {
            case .closed: "closed"
            case .halfOpen: "half_open"
            case .open: "open"
            }
        }
    }

    /// How a call ended, as far as the breaker is concerned.
    public enum Outcome: Sendable, Hashable {
        /// The provider answered.
        case success
        /// The provider failed or timed out.
        case failure
        /// The call says nothing about the provider (cancelled, invalid request).
        case ignored
    }

    /// Permission to make one call, from ``acquire()``; hand it back with ``record(_:_:)``.
    public struct Permit: Sendable, Hashable {
        /// The breaker's generation when the permit was given: results of calls started before
        /// the last transition are not counted against the new state.
        let generation: UInt64
        /// Whether the call is a half-open probe.
        public let isProbe: Bool
    }

    /// A state change.
    public struct Transition: Sendable, Hashable {
        /// The state left.
        public var from: State
        /// The state entered.
        public var to: State
        /// When, on the breaker's clock: for open → half-open, the end of the cool-down (the
        /// breaker notices it on its next read).
        public var at: ContinuousClock.Instant

        /// Creates a transition.
        public init(from: State, to: State, at: ContinuousClock.Instant) {
            self.from = from
            self.to = to
            self.at = at
        }
    }

    /// A reading of the breaker for routing and scoring.
    public struct Snapshot: Sendable, Hashable {
        /// The state.
        public var state: State
        /// Calls counted in the rolling window.
        public var calls: Int
        /// Failures among them.
        public var failures: Int
        /// Failures in a row.
        public var consecutiveFailures: Int
        /// Whether a call would be let through now.
        public var admitsCalls: Bool
        /// Permitted calls not yet recorded: the provider is busy while this is above 0.
        public var inFlight: Int = 0
        /// When the last successful call ended; `nil` before the first.
        public var lastSuccessAt: ContinuousClock.Instant?
        /// Until when calls are held off (``CircuitBreaker/holdOff(until:)``); `nil` when they are not.
        public var heldUntil: ContinuousClock.Instant?
    }

    /// The provider's name.
    public let name: String
    private let machine: Mutex<Machine>
    private let now: @Sendable () -> ContinuousClock.Instant
    private let onTransition: @Sendable (CircuitBreaker, Transition) -> Void

    /// Creates a closed breaker.
    /// - Parameters:
    ///   - name: The provider's name.
    ///   - configuration: Thresholds and timings (`[qos.circuit_breaker]`).
    ///   - now: The clock; tests pass a manual one.
    ///   - onTransition: Called after every state change, outside the breaker's lock.
    public init(
        name: String,
        configuration: CircuitBreakerConfiguration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        onTransition: @escaping @Sendable (CircuitBreaker, Transition) -> Void = { _, _ in }
    ) {
        self.name = name
        self.now = now
        self.onTransition = onTransition
        self.machine = Mutex(Machine(configuration: configuration, origin: now()))
    }

    /// The state now (an open breaker whose cool-down is over reads as half-open).
    public var state: State { snapshot().state }

    /// The state and the counts of the rolling window.
    public func snapshot() -> Snapshot {
        let (snapshot, transitions) = machine.withLock { machine in
            let transitions = machine.tick(now())
            return (machine.snapshot(now()), transitions)
        }
        report(transitions)
        return snapshot
    }

    /// The state as last changed, without applying the cool-down.
    var heldState: State { machine.withLock { $0.state } }

    /// Asks to make a call: a permit when the breaker is closed, or half-open with a probe slot
    /// free; `nil` when the call must not be made.
    public func acquire() -> Permit? {
        let (permit, transitions) = machine.withLock { $0.acquire(now()) }
        report(transitions)
        return permit
    }

    /// Records how a permitted call ended.
    /// - Returns: The state changes it caused (for span events).
    @discardableResult
    public func record(_ permit: Permit, _ outcome: Outcome) -> [Transition] {
        let transitions = machine.withLock { $0.record(permit, outcome, at: now()) }
        report(transitions)
        return transitions
    }

    /// Refuses every call until `instant` (the provider asked for it, with `Retry-After`), without
    /// changing the state; a later hold already in place is kept.
    public func holdOff(until instant: ContinuousClock.Instant) {
        machine.withLock { machine in
            machine.heldUntil = max(machine.heldUntil ?? instant, instant)
        }
    }

    /// Replaces the thresholds and timings; the state and counts are kept.
    public func update(_ configuration: CircuitBreakerConfiguration) {
        machine.withLock { $0.configuration = configuration }
    }

    private func report(_ transitions: [Transition]) {
        for transition in transitions { onTransition(self, transition) }
    }
}

extension CircuitBreaker {
    /// The state machine, kept behind the breaker's mutex.
    struct Machine: Sendable {
        var configuration: CircuitBreakerConfiguration
        var state: State = .closed
        var generation: UInt64 = 0
        /// Kind 0: calls, kind 1: failures.
        var window: RollingCounts
        var windowLength: Duration
        var consecutiveFailures = 0
        var openedAt: ContinuousClock.Instant?
        /// Calls permitted and not yet recorded, whatever the generation.
        var inFlight = 0
        var lastSuccessAt: ContinuousClock.Instant?
        var probesInFlight = 0
        /// No call before this instant (`Retry-After`).
        var heldUntil: ContinuousClock.Instant?

        init(configuration: CircuitBreakerConfiguration, origin: ContinuousClock.Instant) {
            self.configuration = configuration
            self.windowLength = configuration.window
            self.window = RollingCounts(window: configuration.window, slices: 10, kinds: 2, origin: origin)
        }

        /// Open → half-open once the cool-down is over.
        mutating func tick(_ now: ContinuousClock.Instant) -> [Transition] {
            if windowLength != configuration.window {
                windowLength = configuration.window
                window = RollingCounts(window: configuration.window, slices: 10, kinds: 2, origin: now)
            }
            guard state == .open, let openedAt, openedAt.advanced(by: configuration.cooldown) <= now else { return [] }
            return [move(to: .halfOpen, at: openedAt.advanced(by: configuration.cooldown))]
        }

        /// The hold in force at `now`, if any.
        func hold(at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
            guard let heldUntil, now < heldUntil else { return nil }
            return heldUntil
        }

        func snapshot(_ now: ContinuousClock.Instant) -> Snapshot {
            let totals = window.totals(at: now)
            let held = hold(at: now)
            let admitsByState =
                switch state {
                case .closed: true
                case .halfOpen: probesInFlight < configuration.halfOpenProbes
                case .open: false
                }
            let admits = admitsByState && held == nil
            return Snapshot(
                state: state,
                calls: totals[0],
                failures: totals[1],
                consecutiveFailures: consecutiveFailures,
                admitsCalls: admits,
                inFlight: inFlight,
                lastSuccessAt: lastSuccessAt,
                heldUntil: held
            )
        }

        mutating func acquire(_ now: ContinuousClock.Instant) -> (Permit?, [Transition]) {
            let transitions = tick(now)
            if hold(at: now) != nil { return (nil, transitions) }
            switch state {
            case .closed:
                inFlight += 1
                return (Permit(generation: generation, isProbe: false), transitions)
            case .halfOpen where probesInFlight < configuration.halfOpenProbes:
                probesInFlight += 1
                inFlight += 1
                return (Permit(generation: generation, isProbe: true), transitions)
            case .halfOpen, .open:
                return (nil, transitions)
            }
        }

        mutating func record(_ permit: Permit, _ outcome: Outcome, at now: ContinuousClock.Instant) -> [Transition] {
            var transitions = tick(now)
            inFlight = max(0, inFlight - 1)
            if outcome == .success { lastSuccessAt = now }
            // A call started before the last transition reports on a state that no longer holds.
            guard permit.generation == generation else { return transitions }
            switch (state, outcome) {
            case (.closed, .success):
                window.add(0, at: now)
                consecutiveFailures = 0
            case (.closed, .failure):
                window.add(0, at: now)
                window.add(1, at: now)
                consecutiveFailures += 1
                if configuration.enabled, shouldTrip(now) { transitions.append(move(to: .open, at: now)) }
            case (.halfOpen, .success):
                transitions.append(move(to: .closed, at: now))
            case (.halfOpen, .failure):
                consecutiveFailures += 1
                transitions.append(move(to: .open, at: now))
            case (.halfOpen, .ignored):
                probesInFlight = max(0, probesInFlight - 1)
            case (.closed, .ignored), (.open, _):
                break
            }
            return transitions
        }

        private func shouldTrip(_ now: ContinuousClock.Instant) -> Bool {
            if consecutiveFailures >= configuration.consecutiveFailures { return true }
            let totals = window.totals(at: now)
            return totals[0] >= configuration.minimumCalls
                && Double(totals[1]) >= configuration.failureRate * Double(totals[0])
        }

        private mutating func move(to next: State, at now: ContinuousClock.Instant) -> Transition {
            let transition = Transition(from: state, to: next, at: now)
            state = next
            generation &+= 1
            probesInFlight = 0
            switch next {
            case .open:
                openedAt = now
            case .closed:
                // A fresh start: failures from before the outage must not re-open it at once.
                window.reset()
                consecutiveFailures = 0
                openedAt = nil
            case .halfOpen:
                break
            }
            return transition
        }
    }
}
