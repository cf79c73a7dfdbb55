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

    /// Creates telemetry from a catalogue and a tracer.
    public init(metrics: PoolMetrics, tracer: SpanRecorder) {
        self.metrics = metrics
        self.tracer = tracer
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
