/// A gauge metric and its labelled series, from `MetricsRegistry.gauge(name:help:unit:labelNames:seriesLimit:)`.
///
/// ```swift
/// let inFlight = registry.gauge(name: "llm_pool_in_flight_requests", help: "Requests being served.", labelNames: ["provider"])
/// let phi = inFlight.labels("phi3-mini")
/// phi.increment()
/// defer { phi.decrement() }
/// ```
public final class GaugeFamily: Sendable, RegisteredFamily {
    let descriptor: FamilyDescriptor
    private let store: SeriesStore<GaugeSeries>

    init(descriptor: FamilyDescriptor, onOverflow: (@Sendable () -> Void)?) {
        self.descriptor = descriptor
        store = SeriesStore(descriptor: descriptor, onOverflow: onOverflow) {
            GaugeSeries(labelValues: $0, labelText: $1)
        }
    }

    /// The metric name.
    public var name: String { descriptor.name }
    /// The label names, in order.
    public var labelNames: [String] { descriptor.labelNames }

    /// The series for these label values (one per label name, in order), created on first use.
    /// Past the family's series limit, new label sets share the series labelled `other`.
    public func labels(_ values: String...) -> GaugeSeries {
        store.series(for: values)
    }

    /// The series for these label values (one per label name, in order), created on first use.
    public func labels(_ values: [String]) -> GaugeSeries {
        store.series(for: values)
    }

    /// Every series made so far, ordered by label values (for in-process readers such as the
    /// console; `/metrics` renders the same list).
    public var series: [GaugeSeries] { store.snapshot() }

    func render(into output: inout String, format: ExpositionFormat) {
        let series = store.snapshot()
        guard !series.isEmpty else { return }
        output += descriptor.header(format)
        for one in series {
            output += descriptor.name
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
