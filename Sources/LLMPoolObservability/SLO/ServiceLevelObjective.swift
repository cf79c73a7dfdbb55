/// A service level objective for one task: the share of requests that must succeed, and the share
/// that must be answered within a latency threshold.
public struct ServiceLevelObjective: Sendable, Hashable {
    /// The task the objective covers (its requests are the events counted).
    public var task: String
    /// Share of requests that must succeed, such as 0.99. TOML `slo.TASK.availability`.
    public var availabilityTarget: Double
    /// Requests slower than this count against the latency objective. TOML `slo.TASK.latency_threshold_ms`.
    public var latencyThreshold: Duration
    /// Share of requests that must be faster than ``latencyThreshold``, such as 0.95.
    /// TOML `slo.TASK.latency_target`.
    public var latencyTarget: Double

    /// Creates an objective.
    public init(
        task: String,
        availabilityTarget: Double = 0.99,
        latencyThreshold: Duration = .seconds(2),
        latencyTarget: Double = 0.95
    ) {
        self.task = task
        self.availabilityTarget = availabilityTarget
        self.latencyThreshold = latencyThreshold
        self.latencyTarget = latencyTarget
    }

    /// The two indicators of an objective.
    public enum Indicator: String, Sendable, Hashable, CaseIterable {
        /// Successful requests over all requests.
        case availability
        /// Requests within the latency threshold over successful requests.
        case latency
    }

    /// The `slo` label value of an indicator: `TASK:availability` or `TASK:latency`.
    public func label(_ indicator: Indicator) -> String { "\(task):\(indicator.rawValue)" }

    /// The error budget of an indicator: the share of events allowed to be bad.
    public func budget(_ indicator: Indicator) -> Double {
        switch indicator {
        case .availability: max(1e-9, 1 - availabilityTarget)
        case .latency: max(1e-9, 1 - latencyTarget)
        }
    }
}
