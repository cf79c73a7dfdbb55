import CoreMetrics

/// A swift-metrics backend writing into a `MetricsRegistry`, so libraries instrumented with
/// swift-metrics (Hummingbird, grpc-swift, AsyncHTTPClient) show up on the same `/metrics`.
///
/// | swift-metrics | registry |
/// |---|---|
/// | `Counter`, `FloatingPointCounter` | counter |
/// | `Meter`, `Gauge` (`Recorder` with `aggregate: false`) | gauge |
/// | `Recorder` (`aggregate: true`) | histogram with `recorderBuckets` |
/// | `Timer` | histogram in seconds with `timerBuckets` |
///
/// Labels are made Prometheus names (`http.server.requests` → `http_server_requests`), dimensions
/// become labels (sorted by key, so their order does not matter). A label already used by a metric
/// of another type or other dimension keys gets a handler that drops its values, rather than
/// stopping the process over a library's naming.
///
/// ```swift
/// MetricsSystem.bootstrap(RegistryMetricsFactory(registry: registry))
/// ```
public struct RegistryMetricsFactory: MetricsFactory {
    /// The registry written to.
    public let registry: MetricsRegistry
    /// Bucket bounds of timers, in seconds. Default `MetricsRegistry.llmLatencyBuckets`.
    public var timerBuckets: [Double]
    /// Bucket bounds of aggregating recorders. Default `MetricsRegistry.defaultBuckets`.
    public var recorderBuckets: [Double]

    /// Creates a factory over `registry`.
    public init(
        registry: MetricsRegistry,
        timerBuckets: [Double] = MetricsRegistry.llmLatencyBuckets,
        recorderBuckets: [Double] = MetricsRegistry.defaultBuckets
    ) {
        self.registry = registry
        self.timerBuckets = timerBuckets
        self.recorderBuckets = recorderBuckets
    }

    /// A counter series named after `label`, labelled by `dimensions`.
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let series = counterSeries(label, dimensions) else { return NOOPMetricsHandler.instance }
        return RegistryCounterHandler(series: series)
    }

    /// A counter series (the same family as `makeCounter` for the same label and keys).
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        guard let series = counterSeries(label, dimensions) else { return NOOPMetricsHandler.instance }
        return RegistryCounterHandler(series: series)
    }

    /// A gauge series.
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let series = gaugeSeries(label, dimensions) else { return NOOPMetricsHandler.instance }
        return RegistryGaugeHandler(series: series)
    }

    /// A histogram series (`recorderBuckets`) when `aggregate`, otherwise a gauge series.
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate {
            guard let series = histogramSeries(label, dimensions, buckets: recorderBuckets, unit: nil) else {
                return NOOPMetricsHandler.instance
            }
            return RegistryHistogramHandler(series: series)
        }
        guard let series = gaugeSeries(label, dimensions) else { return NOOPMetricsHandler.instance }
        return RegistryGaugeHandler(series: series)
    }

    /// A histogram series in seconds (`timerBuckets`); unit `seconds` when the name ends in `_seconds`.
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        // Timers record seconds; Prometheus names carry their base unit.
        var name = MetricName.sanitizedMetricName(label)
        if !name.hasSuffix("_seconds") { name += "_seconds" }
        guard let series = histogramSeries(name, dimensions, buckets: timerBuckets, unit: "seconds") else {
            return NOOPMetricsHandler.instance
        }
        return RegistryHistogramHandler(series: series)
    }

    // Series stay registered when swift-metrics destroys a handler: a counter that disappeared
    // and came back would look like a reset to Prometheus.

    /// Does nothing: the series stays.
    public func destroyCounter(_ handler: any CounterHandler) {}
    /// Does nothing: the series stays.
    public func destroyMeter(_ handler: any MeterHandler) {}
    /// Does nothing: the series stays.
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    /// Does nothing: the series stays.
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    /// Does nothing: the series stays.
    public func destroyTimer(_ handler: any TimerHandler) {}

    private func counterSeries(_ label: String, _ dimensions: [(String, String)]) -> CounterSeries? {
        let (name, names, values) = Self.map(label, dimensions, kind: .counter)
        let descriptor = descriptor(name, .counter, unit: nil, names)
        let family = registry.register(descriptor) {
            CounterFamily(descriptor: descriptor, onOverflow: registry.overflowRecorder(for: name))
        }
        return family?.labels(values)
    }

    private func gaugeSeries(_ label: String, _ dimensions: [(String, String)]) -> GaugeSeries? {
        let (name, names, values) = Self.map(label, dimensions, kind: .gauge)
        let descriptor = descriptor(name, .gauge, unit: nil, names)
        let family = registry.register(descriptor) {
            GaugeFamily(descriptor: descriptor, onOverflow: registry.overflowRecorder(for: name))
        }
        return family?.labels(values)
    }

    private func histogramSeries(_ label: String, _ dimensions: [(String, String)], buckets: [Double], unit: String?)
        -> HistogramSeries?
    {
        let (name, names, values) = Self.map(label, dimensions, kind: .histogram)
        let descriptor = descriptor(name, .histogram, unit: unit, names, buckets: buckets)
        let family = registry.register(descriptor) {
            HistogramFamily(
                descriptor: descriptor,
                window: registry.window,
                onOverflow: registry.overflowRecorder(for: name)
            )
        }
        return family?.labels(values)
    }

    private func descriptor(
        _ name: String,
        _ kind: FamilyDescriptor.Kind,
        unit: String?,
        _ labelNames: [String],
        buckets: [Double] = []
    ) -> FamilyDescriptor {
        FamilyDescriptor(
            name: name,
            help: "swift-metrics \(kind.rawValue) '\(name)'.",
            kind: kind,
            unit: unit,
            labelNames: labelNames,
            buckets: buckets,
            seriesLimit: registry.configuration.seriesLimit
        )
    }

    /// The metric name and the label names and values for a swift-metrics label and dimensions:
    /// sanitised, sorted by label name, the first of duplicate names kept.
    static func map(
        _ label: String,
        _ dimensions: [(String, String)],
        kind: FamilyDescriptor.Kind
    ) -> (name: String, labelNames: [String], labelValues: [String]) {
        var seen = Set<String>()
        var pairs: [(String, String)] = []
        for (key, value) in dimensions {
            var name = MetricName.sanitizedLabelName(key)
            if kind == .histogram, name == "le" { name = "le_" }
            if seen.insert(name).inserted { pairs.append((name, value)) }
        }
        pairs.sort { $0.0 < $1.0 }
        var name = MetricName.sanitizedMetricName(label)
        // Prometheus counters end in `_total` (promtool checks it).
        if kind == .counter, !name.hasSuffix("_total") { name += "_total" }
        return (name, pairs.map(\.0), pairs.map(\.1))
    }
}
