import LLMPoolObservability

extension PoolTelemetry {
    /// Builds the telemetry of a running pool from its configuration: a registry with the process
    /// metrics and the catalogue seeded for the configured tasks and providers, a span recorder
    /// whose exports and drops are counted, and the SLO tracker exported as burn-rate gauges.
    ///
    /// - Parameters:
    ///   - configuration: The pool configuration (`[telemetry]`, `[tracing]`, `[slo.*]`).
    ///   - environment: The process environment; the `OTEL_*` variables override `[tracing]`.
    /// - Throws: ``PoolError`` `invalidConfiguration` when an `OTEL_*` variable cannot be used.
    public static func make(configuration: PoolConfiguration, environment: [String: String]) throws -> PoolTelemetry {
        let registry = MetricsRegistry(
            configuration: .init(
                seriesLimit: configuration.telemetry.seriesLimit,
                recentWindow: configuration.telemetry.recentWindow
            )
        )
        ProcessMetricsCollector.install(on: registry)
        let metrics = PoolMetrics(registry: registry)
        metrics.seed(for: configuration)
        let tracing: TracingConfiguration
        do {
            tracing = try configuration.tracing.applyingEnvironment(environment)
        } catch {
            throw PoolError(code: .invalidConfiguration, message: "tracing: \(error)")
        }
        let hooks = BatchSpanProcessor.Hooks(
            onDrop: { count in metrics.spansDropped.labels().increment(by: Double(count)) },
            onExport: { result, count in
                metrics.spansExported.labels({ if case .success = result { "success" } else { "failure" } }())
                    .increment(by: Double(count))
            }
        )
        let tracer: SpanRecorder
        do {
            tracer = try SpanRecorder(configuration: tracing, hooks: hooks)
        } catch {
            throw PoolError(code: .invalidConfiguration, message: "tracing: \(error)")
        }
        var slo: SLOTracker?
        if !configuration.slos.isEmpty {
            let tracker = SLOTracker(objectives: configuration.slos)
            tracker.export(
                burnRate: metrics.sloBurnRate,
                budgetRemaining: metrics.sloErrorBudgetRemaining,
                on: registry
            )
            slo = tracker
        }
        return PoolTelemetry(metrics: metrics, tracer: tracer, slo: slo, isEnabled: configuration.telemetry.enabled)
    }
}
