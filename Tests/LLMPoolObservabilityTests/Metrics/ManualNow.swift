import Synchronization

/// A clock for `MetricsRegistry(now:)` that moves only when a test advances it.
final class ManualNow: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    /// The closure to hand to the registry.
    var now: @Sendable () -> ContinuousClock.Instant {
        { self.instant.withLock { $0 } }
    }

    func advance(by duration: Duration) {
        instant.withLock { $0 = $0.advanced(by: duration) }
    }
}
