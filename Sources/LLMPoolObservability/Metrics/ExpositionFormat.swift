/// A text format for `/metrics`.
public enum ExpositionFormat: Sendable, Hashable, CaseIterable {
    /// The Prometheus text exposition format 0.0.4.
    case prometheus
    /// OpenMetrics 1.0 text, with units, exemplars and a closing `# EOF`.
    case openMetrics

    /// The `Content-Type` header of a response in this format.
    public var contentType: String {
        switch self {
        case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }
}
