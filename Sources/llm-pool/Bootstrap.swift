import CoreMetrics
import Foundation
import Instrumentation
import LLMPoolCore
import LLMPoolObservability
import Logging

enum Bootstrap {
    /// Sets up swift-log once: JSON lines or plain text, at the configured level, with the
    /// current span's `trace_id` and `span_id` on every line.
    static func logging(_ configuration: LoggingConfiguration) {
        let level = Logger.Level(rawValue: configuration.level) ?? .info
        let provider = SpanRecorder.loggingMetadataProvider
        if configuration.format == "json" {
            LoggingSystem.bootstrap(
                { label, metadataProvider in
                    JSONLogHandler(label: label, level: level, metadataProvider: metadataProvider)
                },
                metadataProvider: provider
            )
        } else {
            LoggingSystem.bootstrap(
                { label, metadataProvider in
                    var handler = StreamLogHandler.standardOutput(label: label, metadataProvider: metadataProvider)
                    handler.logLevel = level
                    return handler
                },
                metadataProvider: provider
            )
        }
    }

    /// Builds the pool's telemetry and makes it the process's: swift-metrics reports into its
    /// registry (so Hummingbird, grpc-swift and AsyncHTTPClient metrics land in `/metrics`) and
    /// swift-distributed-tracing starts spans on its recorder.
    static func telemetry(_ configuration: PoolConfiguration) throws -> PoolTelemetry {
        let telemetry = try PoolTelemetry.make(
            configuration: configuration,
            environment: ProcessInfo.processInfo.environment
        )
        MetricsSystem.bootstrap(RegistryMetricsFactory(registry: telemetry.metrics.registry))
        InstrumentationSystem.bootstrap(telemetry.tracer)
        return telemetry
    }
}
