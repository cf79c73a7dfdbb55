import Synchronization

/// The continuous clock, plus an offset a test can jump forward: time passes as it really does
/// (the client really sleeps its `Retry-After`), and a test skips the rest of a minute at once.
final class JumpClock: Clock, Sendable {
    typealias Instant = ContinuousClock.Instant

    private let base = ContinuousClock()
    private let offset = Mutex(Duration.zero)

    var now: Instant { base.now.advanced(by: offset.withLock { $0 }) }
    var minimumResolution: Duration { base.minimumResolution }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await base.sleep(until: deadline.advanced(by: .zero - offset.withLock { $0 }), tolerance: tolerance)
    }

    /// Moves the clock forward by `duration` at once.
    func jump(by duration: Duration) {
        offset.withLock { $0 += duration }
    }
}
