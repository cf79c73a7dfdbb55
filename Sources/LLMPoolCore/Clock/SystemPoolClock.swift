/// The ``PoolClock`` of production: `ContinuousClock`, which keeps counting while the machine sleeps.
public struct SystemPoolClock: PoolClock {
    private let clock = ContinuousClock()

    /// Creates the clock.
    public init() {}

    public var now: ContinuousClock.Instant { clock.now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await clock.sleep(until: deadline, tolerance: nil)
    }
}
