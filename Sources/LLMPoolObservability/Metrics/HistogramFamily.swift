/// A histogram metric and its labelled series, from
/// `MetricsRegistry.histogram(name:help:unit:labelNames:buckets:seriesLimit:)`.
///
/// ```swift
/// let latency = registry.histogram(
///     name: "llm_pool_provider_latency_seconds", help: "Provider call latency.",
///     unit: "seconds", labelNames: ["provider"], buckets: MetricsRegistry.llmLatencyBuckets
/// )
/// let phi = latency.labels("phi3-mini")   // keep the handle
/// phi.observe(0.42, exemplar: Exemplar(traceID: traceID, spanID: spanID, value: 0.42))
/// let p95 = phi.quantile(0.95, window: .seconds(60))
/// ```
public final class HistogramFamily: Sendable, RegisteredFamily {
    let descriptor: FamilyDescriptor
    private let store: SeriesStore<HistogramSeries>
    /// `le` label texts, `+Inf` last.
    private let boundTexts: [String]

    init(descriptor: FamilyDescriptor, window: RecentWindow, onOverflow: (@Sendable () -> Void)?) {
        self.descriptor = descriptor
        let bounds = descriptor.shape.buckets
        boundTexts = bounds.map(ExpositionText.canonicalNumber) + ["+Inf"]
        store = SeriesStore(descriptor: descriptor, onOverflow: onOverflow) {
            HistogramSeries(labelValues: $0, labelText: $1, upperBounds: bounds, window: window)
        }
    }

    /// The metric name.
    public var name: String { descriptor.name }
    /// The label names, in order.
    public var labelNames: [String] { descriptor.labelNames }
    /// The finite bucket upper bounds, increasing (`+Inf` is implicit).
    public var buckets: [Double] { descriptor.shape.buckets }

    /// The series for these label values (one per label name, in order), created on first use.
    /// Past the family's series limit, new label sets share the series labelled `other`.
    public func labels(_ values: String...) -> HistogramSeries {
        store.series(for: values)
    }

    /// The series for these label values (one per label name, in order), created on first use.
    public func labels(_ values: [String]) -> HistogramSeries {
        store.series(for: values)
    }

    /// Every series made so far, ordered by label values (for in-process readers such as the
    /// console; `/metrics` renders the same list).
    public var series: [HistogramSeries] { store.snapshot() }

    func render(into output: inout String, format: ExpositionFormat) {
        let series = store.snapshot()
        guard !series.isEmpty else { return }
        output += descriptor.header(format)
        let name = descriptor.name
        let withExemplars = format == .openMetrics
        for one in series {
            let (cumulative, sum, exemplars) = one.snapshot(withExemplars: withExemplars)
            let labelPrefix = one.labelText.isEmpty ? "{" : "{" + one.labelText + ","
            for (bucket, count) in cumulative.enumerated() {
                output += name
                output += "_bucket"
                output += labelPrefix
                output += "le=\""
                output += boundTexts[bucket]
                output += "\"} "
                output += String(count)
                if withExemplars, let exemplar = exemplars[bucket] {
                    Self.append(exemplar, to: &output)
                }
                output += "\n"
            }
            let labels = one.labelText.isEmpty ? " " : "{" + one.labelText + "} "
            let count = String(cumulative.last ?? 0)
            // Prometheus clients write _sum before _count; the OpenMetrics examples put _count first.
            if format == .prometheus {
                output += name + "_sum" + labels + ExpositionText.number(sum) + "\n"
                output += name + "_count" + labels + count + "\n"
            } else {
                output += name + "_count" + labels + count + "\n"
                output += name + "_sum" + labels + ExpositionText.number(sum) + "\n"
            }
        }
    }

    /// ` # {trace_id="…",span_id="…"} value [timestamp]` (OpenMetrics 1.0, Exemplars).
    private static func append(_ exemplar: Exemplar, to output: inout String) {
        let traceID = ExpositionText.escapeLabelValue(exemplar.traceID)
        let spanID = ExpositionText.escapeLabelValue(exemplar.spanID)
        // OpenMetrics: the exemplar's label names and values together MUST NOT exceed 128 UTF-8
        // characters; a longer one is left out rather than making the exposition invalid.
        guard "trace_id".count + "span_id".count + exemplar.traceID.count + exemplar.spanID.count <= 128 else { return }
        output += " # {trace_id=\""
        output += traceID
        output += "\",span_id=\""
        output += spanID
        output += "\"} "
        output += ExpositionText.number(exemplar.value)
        if let timestamp = exemplar.timestamp {
            output += " "
            output += ExpositionText.number(timestamp)
        }
    }
}
