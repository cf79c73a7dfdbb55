extension MetricsRegistry {
    /// Renders every family with at least one series, families ordered by name and series by
    /// label values, after running the collectors.
    ///
    /// - Parameter format: `.prometheus` (text 0.0.4) or `.openMetrics` (1.0, ending in `# EOF`).
    /// - Returns: The body of a `/metrics` response; send it with `format.contentType`.
    public func render(format: ExpositionFormat = .prometheus) -> String {
        var output = ""
        output.reserveCapacity(64 * 1024)
        for family in collect() {
            family.render(into: &output, format: format)
        }
        if format == .openMetrics { output += "# EOF\n" }
        return output
    }

    /// The format to answer a scrape with, from its `Accept` header: OpenMetrics when
    /// `application/openmetrics-text` is accepted (with a non-zero `q`), otherwise the Prometheus
    /// text format (also when there is no header).
    ///
    /// - Parameter accept: The `Accept` header value, e.g. Prometheus' `application/openmetrics-text;
    ///   version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`.
    /// - Returns: The format; its `contentType` is the response's `Content-Type`.
    public static func contentType(forAccept accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheus }
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingWhitespace().lowercased() }
            guard parts.first == "application/openmetrics-text" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return .openMetrics }
        }
        return .prometheus
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var trimmed = self
        while trimmed.first == " " || trimmed.first == "\t" { trimmed.removeFirst() }
        while trimmed.last == " " || trimmed.last == "\t" { trimmed.removeLast() }
        return trimmed
    }
}
