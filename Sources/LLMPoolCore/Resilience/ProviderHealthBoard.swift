import Synchronization

/// The last health-probe result of each provider, written by ``HealthProber`` and read by
/// ``ProviderScorer`` (an unhealthy provider's WEIGHTED score is penalised).
public final class ProviderHealthBoard: Sendable {
    private let healthy = Mutex<[String: Bool]>([:])

    /// Creates an empty board: every provider counts as healthy until probed.
    public init() {}

    /// Records a probe result.
    public func set(_ provider: String, healthy isHealthy: Bool) {
        healthy.withLock { $0[provider] = isHealthy }
    }

    /// Whether `provider`'s last probe succeeded; `true` when it was never probed.
    public func isHealthy(_ provider: String) -> Bool {
        healthy.withLock { $0[provider] ?? true }
    }
}
