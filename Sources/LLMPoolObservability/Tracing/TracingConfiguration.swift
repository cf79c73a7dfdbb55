/// How llm-pool records and exports spans: the `[tracing]` table of `llm-pool.toml`, then the
/// standard `OTEL_*` environment variables on top (``applyingEnvironment(_:)``).
///
/// Spans are always created (so trace ids reach logs and downstream `traceparent` headers);
/// ``enabled`` decides whether they are queued and exported over OTLP/HTTP.
public struct TracingConfiguration: Sendable, Hashable {
    /// The OTLP/HTTP base URL used when export is enabled and no endpoint is configured.
    public static let defaultEndpoint = "http://127.0.0.1:4318"

    /// Whether ended spans are exported. Default `false`: nothing is queued or sent.
    /// TOML `tracing.enabled`.
    public var enabled: Bool
    /// The OTLP/HTTP base URL; spans are POSTed to `<endpoint>/v1/traces`. Default `nil`, meaning
    /// ``defaultEndpoint``. TOML `tracing.endpoint`.
    public var endpoint: String?
    /// The full URL spans are POSTed to, used as is; wins over ``endpoint``. Default `nil`.
    /// TOML `tracing.traces_endpoint`.
    public var tracesEndpoint: String?
    /// Extra request headers, such as an API key for a hosted collector. Default none.
    /// TOML `tracing.headers`.
    public var headers: [String: String]
    /// Which spans are sampled. Default ``Sampler/parentBasedAlwaysOn``.
    /// TOML `tracing.sampler` (an `OTEL_TRACES_SAMPLER` name) and `tracing.sampler_ratio`.
    public var sampler: Sampler
    /// The `service.name` resource attribute. Default `llm-pool`. TOML `tracing.service_name`.
    public var serviceName: String
    /// The `service.version` resource attribute; left out when `nil`. Default `nil`.
    /// TOML `tracing.service_version`.
    public var serviceVersion: String?
    /// More resource attributes (`deployment.environment.name`, `host.name`, …). Default none.
    /// TOML `tracing.resource_attributes`.
    public var resourceAttributes: [String: String]
    /// Queueing and batching of ended spans. TOML `tracing.batch.*`.
    public var batch: BatchSpanProcessor.Configuration
    /// Whether request bodies are gzip-compressed (`Content-Encoding: gzip`). Default `false`.
    /// TOML `tracing.gzip`.
    public var gzip: Bool

    /// Tracing on, exported to ``defaultEndpoint`` with the OpenTelemetry defaults, or off.
    public static var defaults: TracingConfiguration {
        TracingConfiguration(
            enabled: false,
            endpoint: nil,
            tracesEndpoint: nil,
            headers: [:],
            sampler: .parentBasedAlwaysOn,
            serviceName: "llm-pool",
            serviceVersion: nil,
            resourceAttributes: [:],
            batch: .defaults,
            gzip: false
        )
    }

    /// The URL spans are POSTed to: ``tracesEndpoint``, else ``endpoint`` (or ``defaultEndpoint``)
    /// with `/v1/traces` appended, as the OTLP exporter specification says.
    public var tracesURL: String {
        if let tracesEndpoint { return tracesEndpoint }
        var base = endpoint ?? Self.defaultEndpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v1/traces"
    }

    /// Checks the values as a whole.
    ///
    /// - Throws: ``TracingConfigurationError`` naming the first offending TOML key.
    public func validate() throws(TracingConfigurationError) {
        let url = tracesURL
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            throw .invalidValue(
                key: tracesEndpoint == nil ? "tracing.endpoint" : "tracing.traces_endpoint",
                "must be an http:// or https:// URL, got \"\(url)\""
            )
        }
        guard (0...1).contains(sampler.ratio) else {
            throw .invalidValue(key: "tracing.sampler_ratio", "must be in 0...1, got \(sampler.ratio)")
        }
        guard !serviceName.isEmpty else { throw .invalidValue(key: "tracing.service_name", "must not be empty") }
        try batch.validate()
    }
}
