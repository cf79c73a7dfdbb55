import LLMPoolObservability
import TOMLKit

extension ConfigurationDecoder {
    /// `[telemetry]`.
    func decodeTelemetry(_ t: TOMLTable) -> TelemetryConfiguration {
        let p = "telemetry"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: ["enabled", "series_limit", "recent_window_ms", "http_server_metrics"]
        )
        let d = TelemetryConfiguration.defaults
        var telemetry = TelemetryConfiguration(
            enabled: reader.bool(t, "enabled", at: p, default: d.enabled),
            seriesLimit: reader.int(t, "series_limit", at: p, default: d.seriesLimit, range: 10...1_000_000),
            recentWindow: reader.milliseconds(t, "recent_window_ms", at: p, default: d.recentWindow, minimum: 1000)
        )
        telemetry.httpServerMetrics = reader.bool(t, "http_server_metrics", at: p, default: d.httpServerMetrics)
        return telemetry
    }

    /// `[tracing]`: OTLP export, sampling and resource; the `OTEL_*` variables apply on top at start-up.
    func decodeTracing(_ t: TOMLTable) -> TracingConfiguration {
        let p = "tracing"
        reader.rejectUnknownKeys(
            t,
            at: p,
            known: [
                "enabled", "endpoint", "traces_endpoint", "headers", "sampler", "sampler_ratio", "service_name",
                "service_version", "resource_attributes", "gzip", "batch",
            ]
        )
        var c = TracingConfiguration.defaults
        c.enabled = reader.bool(t, "enabled", at: p, default: c.enabled)
        c.endpoint = reader.string(t, "endpoint", at: p)
        c.tracesEndpoint = reader.string(t, "traces_endpoint", at: p)
        c.headers = stringTable(t, "headers", at: p)
        c.resourceAttributes = stringTable(t, "resource_attributes", at: p)
        c.serviceName = reader.string(t, "service_name", at: p, default: c.serviceName) ?? c.serviceName
        c.serviceVersion = reader.string(t, "service_version", at: p) ?? LLMPoolVersion.current
        c.gzip = reader.bool(t, "gzip", at: p, default: c.gzip)
        let samplerName =
            reader.string(t, "sampler", at: p, default: Sampler.Kind.parentBasedTraceIDRatio.rawValue) ?? ""
        let ratio = reader.double(t, "sampler_ratio", at: p, default: 1, range: 0...1)
        if let kind = Sampler.Kind(rawValue: samplerName) {
            c.sampler = Sampler(kind, ratio: ratio)
        } else {
            reader.report(
                reader.join(p, "sampler"),
                "must be one of \(Sampler.Kind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(samplerName)'"
            )
        }
        if let b = reader.table(t, "batch", at: p) {
            let bp = "tracing.batch"
            reader.rejectUnknownKeys(
                b,
                at: bp,
                known: ["max_queue_size", "max_export_batch_size", "schedule_delay_ms", "export_timeout_ms"]
            )
            let bd = c.batch
            c.batch = .init(
                maxQueueSize: reader.int(b, "max_queue_size", at: bp, default: bd.maxQueueSize, range: 1...1_000_000),
                maxExportBatchSize: reader.int(
                    b,
                    "max_export_batch_size",
                    at: bp,
                    default: bd.maxExportBatchSize,
                    range: 1...1_000_000
                ),
                scheduleDelay: reader.milliseconds(b, "schedule_delay_ms", at: bp, default: bd.scheduleDelay),
                exportTimeout: reader.milliseconds(b, "export_timeout_ms", at: bp, default: bd.exportTimeout)
            )
        }
        do {
            try c.validate()
        } catch {
            reader.report(p, "\(error)")
        }
        return c
    }

    /// `[slo.TASK]` tables: one objective per task.
    func decodeSLOs(_ t: TOMLTable, tasks: Set<String>) -> [ServiceLevelObjective] {
        var result: [ServiceLevelObjective] = []
        for task in t.keys.sorted() {
            let p = "slo.\(task)"
            guard let table = reader.table(t, task, at: "slo") else { continue }
            if !tasks.contains(task) {
                reader.report(
                    p,
                    "names no configured task; configured tasks: \(tasks.sorted().joined(separator: ", "))"
                )
            }
            reader.rejectUnknownKeys(table, at: p, known: ["availability", "latency_threshold_ms", "latency_target"])
            let d = ServiceLevelObjective(task: task)
            result.append(
                .init(
                    task: task,
                    availabilityTarget: reader.double(
                        table,
                        "availability",
                        at: p,
                        default: d.availabilityTarget,
                        range: 0.5...0.99999
                    ),
                    latencyThreshold: reader.milliseconds(
                        table,
                        "latency_threshold_ms",
                        at: p,
                        default: d.latencyThreshold
                    ),
                    latencyTarget: reader.double(
                        table,
                        "latency_target",
                        at: p,
                        default: d.latencyTarget,
                        range: 0.5...0.99999
                    )
                )
            )
        }
        return result
    }

    private func stringTable(_ t: TOMLTable, _ key: String, at path: String) -> [String: String] {
        guard let table = reader.table(t, key, at: path) else { return [:] }
        var result: [String: String] = [:]
        for name in table.keys {
            if let value = reader.string(table, name, at: reader.join(path, key)) { result[name] = value }
        }
        return result
    }
}
