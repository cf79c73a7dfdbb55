/// A counter metric and its labelled series, from `MetricsRegistry.counter(name:help:unit:labelNames:seriesLimit:)`.
///
/// ```swift
/// let requests = registry.counter(name: "llm_pool_requests_total", help: "Requests served.", labelNames: ["task", "status"])
/// let ok = requests.labels("judge", "ok")   // keep the handle
/// ok.increment()
/// ```
public final class CounterFamily: Sendable, RegisteredFamily {
    let descriptor: FamilyDescriptor
    private let store: SeriesStore<CounterSeries>

    init(descriptor: FamilyDescriptor, onOverflow: (@Sendable () -> Void)?) {
        self.descriptor = descriptor
        store = SeriesStore(descriptor: descriptor, onOverflow: onOverflow) {
            CounterSeries(labelValues: $0, labelText: $1)
        }
    }

    /// The metric name.
    public var name: String { descriptor.name }
    /// The label names, in order.
    public var labelNames: [String] { descriptor.labelNames }

    /// The series for these label values (one per label name, in order), created on first use.
    /// Past the family's series limit, new label sets share the series labelled `other`.
    public func labels(_ values: String...) -> CounterSeries {
        store.series(for: values)
    }

    /// The series for these label values (one per label name, in order), created on first use.
    public func labels(_ values: [String]) -> CounterSeries {
        store.series(for: values)
    }

    /// Every series made so far, ordered by label values (for in-process readers such as the
    /// console; `/metrics` renders the same list).
    public var series: [CounterSeries] { store.snapshot() }

    func render(into output: inout String, format: ExpositionFormat) {
        let series = store.snapshot()
        guard !series.isEmpty else { return }
        output += descriptor.header(format)
        let sampleName = descriptor.sampleName(format)
        for one in series {
            output += sampleName
            if !one.labelText.isEmpty {
                output += "{"
                output += one.labelText
                output += "}"
            }
            output += " "
            output += ExpositionText.number(one.value)
            output += "\n"
        }
    }
}
