import Synchronization

/// Readings of the cumulative request and error counts, taken when the console reads the state
/// (never on the request path), so the error ratio can be given over a window instead of since
/// start. At most one sample a second and at most `limit` samples are kept.
final class RequestSampler: Sendable {
    private struct Sample: Sendable {
        var at: ContinuousClock.Instant
        var requests: Double
        var errors: Double
    }

    private let samples = Mutex<[Sample]>([])
    private let limit: Int

    init(limit: Int = 128) {
        self.limit = limit
    }

    /// Records a reading and returns the error ratio since the oldest reading within `window`
    /// (since start when there is none yet); `nil` when no request came in that time.
    func errorRatio(
        at now: ContinuousClock.Instant,
        requests: Double,
        errors: Double,
        window: Duration
    ) -> Double? {
        let base = samples.withLock { samples -> Sample? in
            // Keep the newest reading older than the window as the base, drop the rest before it.
            let cutoff = now.advanced(by: .zero - window)
            if let firstInside = samples.firstIndex(where: { $0.at >= cutoff }), firstInside > 1 {
                samples.removeFirst(firstInside - 1)
            }
            let base = samples.first
            if samples.last.map({ $0.at.duration(to: now) >= .seconds(1) }) ?? true {
                samples.append(Sample(at: now, requests: requests, errors: errors))
                if samples.count > limit { samples.removeFirst(samples.count - limit) }
            }
            return base
        }
        let requestsSince = requests - (base?.requests ?? 0)
        let errorsSince = errors - (base?.errors ?? 0)
        guard requestsSince > 0 else { return nil }
        return errorsSince / requestsSince
    }
}
