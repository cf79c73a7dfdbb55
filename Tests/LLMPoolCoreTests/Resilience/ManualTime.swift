import Synchronization

/// An instant source that moves only when a test advances it: pass `now` to breakers, budgets and
/// metrics registries, so time-dependent logic is tested without sleeping.
final class ManualTime: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    /// The current instant.
    var now: ContinuousClock.Instant { instant.withLock { $0 } }

    /// A closure reading it, for `now:` parameters.
    var source: @Sendable () -> ContinuousClock.Instant { { self.now } }

    /// Moves time forward.
    func advance(by duration: Duration) {
        instant.withLock { $0 = $0.advanced(by: duration) }
    }
}
