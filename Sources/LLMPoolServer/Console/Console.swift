import Foundation
import LLMPoolCore

/// What the live console (`GET /console`) and the admin endpoints share, made once by
/// ``PoolComponents``: the `[console]` settings, the ring of recent decisions the gateway fills,
/// the last reload's result, and the start of the process.
///
/// Nothing here runs unless asked: the state is computed on request by ``ConsoleStateBuilder``;
/// the only cost on the request path is the ring's O(1) append.
public struct Console: Sendable {
    /// `[console]` as in force (bound at start-up).
    public let configuration: ConsoleConfiguration
    /// The recent decisions; `nil` when the console is off.
    public let decisions: DecisionRing?
    /// The last configuration reload.
    public let reloads = ReloadStatus()
    /// Samples of the request counters, for the error ratio over the recent window.
    let sampler = RequestSampler()
    /// When the pool started, on the orchestrator's clock.
    public let startedAt: ContinuousClock.Instant

    /// Creates the console's shared state.
    /// - Parameters:
    ///   - configuration: `[console]`.
    ///   - startedAt: The start of the process, on the orchestrator's clock.
    public init(configuration: ConsoleConfiguration, startedAt: ContinuousClock.Instant) {
        self.configuration = configuration
        self.decisions = configuration.enabled ? DecisionRing(capacity: configuration.decisions) : nil
        self.startedAt = startedAt
    }
}
