/// What a metric family is: name, help, unit, type, label names and buckets, checked once at
/// registration, with its HELP/TYPE/UNIT header lines rendered once for both formats.
struct FamilyDescriptor: Sendable {
    enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// What must match when a name is registered again.
    struct Shape: Hashable, Sendable {
        var kind: Kind
        var unit: String?
        var labelNames: [String]
        var buckets: [Double]
    }

    let name: String
    let help: String
    let shape: Shape
    let seriesLimit: Int
    /// The OpenMetrics family name: a counter's name without `_total`.
    let openMetricsName: String
    private let prometheusHeader: String
    private let openMetricsHeader: String

    var kind: Kind { shape.kind }
    var labelNames: [String] { shape.labelNames }

    init(
        name: String,
        help: String,
        kind: Kind,
        unit: String?,
        labelNames: [String],
        buckets: [Double] = [],
        seriesLimit: Int
    ) {
        precondition(MetricName.isValidMetricName(name), "invalid metric name '\(name)'")
        for label in labelNames {
            precondition(MetricName.isValidLabelName(label), "invalid label name '\(label)' on \(name)")
            precondition(kind != .histogram || label != "le", "'le' is reserved on histogram \(name)")
        }
        precondition(Set(labelNames).count == labelNames.count, "duplicate label names on \(name)")
        precondition(seriesLimit >= 1, "the series limit of \(name) must be at least 1")
        let familyName = kind == .counter && name.hasSuffix("_total") ? String(name.dropLast(6)) : name
        if let unit {
            // OpenMetrics: "the MetricFamily name MUST be suffixed by an underscore and the unit".
            precondition(
                !unit.isEmpty && familyName.hasSuffix("_" + unit),
                "metric \(name) must end with its unit '_\(unit)'"
            )
        }
        self.name = name
        self.help = help
        self.shape = Shape(kind: kind, unit: unit, labelNames: labelNames, buckets: buckets)
        self.seriesLimit = seriesLimit
        self.openMetricsName = familyName

        prometheusHeader =
            "# HELP \(name) \(ExpositionText.escapeHelp(help, format: .prometheus))\n# TYPE \(name) \(kind.rawValue)\n"
        var openMetrics =
            "# HELP \(familyName) \(ExpositionText.escapeHelp(help, format: .openMetrics))\n# TYPE \(familyName) \(kind.rawValue)\n"
        if let unit { openMetrics += "# UNIT \(familyName) \(unit)\n" }
        openMetricsHeader = openMetrics
    }

    func header(_ format: ExpositionFormat) -> String {
        format == .prometheus ? prometheusHeader : openMetricsHeader
    }

    /// The sample name: OpenMetrics counters always end in `_total`.
    func sampleName(_ format: ExpositionFormat) -> String {
        kind == .counter && format == .openMetrics ? openMetricsName + "_total" : name
    }
}

/// A family as the registry sees it: something with a descriptor that renders its samples.
protocol RegisteredFamily: AnyObject, Sendable {
    var descriptor: FamilyDescriptor { get }
    /// Appends the header and samples; nothing when the family has no series yet.
    func render(into output: inout String, format: ExpositionFormat)
}
