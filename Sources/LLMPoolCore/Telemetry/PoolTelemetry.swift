import LLMPoolObservability
import Tracing

/// What the pool measures with and traces with: the metrics catalogue and the span recorder.
///
/// One instance is made at start-up and handed to the orchestrator, strategies and front doors.
/// Tests and tools that do not care use ``standalone`` (its own registry, spans not exported).
public struct PoolTelemetry: Sendable {
    /// The metric families.
    public var metrics: PoolMetrics
    /// The tracer spans are started on.
    public var tracer: SpanRecorder
    /// Burn rates of the configured SLOs; `nil` when none are configured.
    public var slo: SLOTracker?
    /// Whether requests are measured and traced. Off only to measure what telemetry costs
    /// (TOML `telemetry.enabled`); `/metrics` is served either way.
    public var isEnabled: Bool

    /// Whether internal spans (orchestrator steps, hedges) are worth starting for the current
    /// request: telemetry is on, ended spans reach a processor, and the current trace is sampled.
    /// Otherwise only the server span and the provider client spans are made, for their ids.
    public var tracesSteps: Bool {
        guard isEnabled, tracer.hasProcessors else { return false }
        return ServiceContext.current?.spanContext?.isSampled ?? true
    }

    /// Creates telemetry from a catalogue and a tracer.
    public init(metrics: PoolMetrics, tracer: SpanRecorder, slo: SLOTracker? = nil, isEnabled: Bool = true) {
        self.metrics = metrics
        self.tracer = tracer
        self.slo = slo
        self.isEnabled = isEnabled
    }

    /// A private registry and a recorder that exports nothing.
    public static let standalone: PoolTelemetry = makeStandalone()

    /// A new private registry and a recorder that exports nothing (tests use one each).
    public static func makeStandalone() -> PoolTelemetry {
        // The default tracing configuration is valid by construction.
        let tracer = try! SpanRecorder(configuration: .defaults)
        return PoolTelemetry(metrics: PoolMetrics(registry: MetricsRegistry()), tracer: tracer)
    }
}
