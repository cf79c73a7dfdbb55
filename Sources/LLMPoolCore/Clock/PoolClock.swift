/// The time source of the request path: the orchestrator, its strategies, stream races,
/// deadlines, coalesced waits, and the circuit breakers and budgets the orchestrator builds.
///
/// Instants are `ContinuousClock.Instant`s whatever the implementation, so that breakers,
/// budgets and anything taking a `now:` closure read the same time line as the strategies. In
/// production this is ``SystemPoolClock``; tests pass a manual clock (`ManualPoolClock` in
/// LLMPoolTesting) and step time instead of sleeping.
///
/// ```swift
/// let clock = ManualPoolClock()
/// let orchestrator = Orchestrator(configuration: config, providers: providers, clock: clock)
/// async let answer = orchestrator.infer(request)
/// await clock.waitForSleepers(2)        // the deadline and the hedge timer
/// clock.advance(by: .milliseconds(50))  // the hedge fires
/// ```
public protocol PoolClock: Sendable {
    /// The current instant.
    var now: ContinuousClock.Instant { get }

    /// Suspends until `deadline` (at once if it has passed).
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

extension PoolClock {
    /// Suspends for `duration` from now.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now.advanced(by: duration))
    }

    /// A closure reading ``now``, for the `now:` parameters of breakers and budgets.
    public var nowSource: @Sendable () -> ContinuousClock.Instant {
        { self.now }
    }
}
