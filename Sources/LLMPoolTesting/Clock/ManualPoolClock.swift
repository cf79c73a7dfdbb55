import LLMPoolCore

/// A ``PoolClock`` driven by a ``ManualClock``: the orchestrator, its strategies and the breakers
/// it builds see time move only when the test advances it.
///
/// Its instants are `ContinuousClock.Instant`s counted from `origin`, the moment the clock was
/// made; sleepers sleep on the manual clock, so ``waitForSleepers(_:)`` tells when the code under
/// test is waiting for a timer (a hedge, a deadline) and ``advance(by:)`` fires it.
///
/// ```swift
/// let clock = ManualPoolClock()
/// let orchestrator = Orchestrator(configuration: config, providers: [slow, fast], clock: clock)
/// async let answer = orchestrator.infer(request)
/// await clock.waitForSleepers(2)       // the request's deadline and the hedge timer
/// clock.advance(by: hedgeDelay)        // the hedge fires
/// ```
public struct ManualPoolClock: PoolClock {
    /// The manual clock that drives this one.
    public let manual: ManualClock
    /// The instant that manual offset zero stands for.
    public let origin: ContinuousClock.Instant

    /// Creates a clock over `manual`, its offset zero at `origin`.
    public init(_ manual: ManualClock = ManualClock(), origin: ContinuousClock.Instant = .now) {
        self.manual = manual
        self.origin = origin
    }

    public var now: ContinuousClock.Instant { origin.advanced(by: manual.now.offset) }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await manual.sleep(until: ManualClock.Instant(offset: origin.duration(to: deadline)), tolerance: nil)
    }

    /// Time since `origin`.
    public var elapsed: Duration { manual.now.offset }

    /// Moves time forward, waking the sleepers whose deadline has passed.
    public func advance(by duration: Duration) { manual.advance(by: duration) }

    /// Returns once at least `count` tasks are sleeping on this clock.
    public func waitForSleepers(_ count: Int) async { await manual.waitForSleepers(count) }

    /// Tasks sleeping on this clock.
    public var sleeperCount: Int { manual.sleeperCount }
}
