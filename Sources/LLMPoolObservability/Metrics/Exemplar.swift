/// A sample linked to the trace that produced it, attached to a histogram bucket and exposed in
/// OpenMetrics as ` # {trace_id="…",span_id="…"} value timestamp`.
///
/// Each bucket keeps its most recent exemplar. The Prometheus text format has no exemplars.
public struct Exemplar: Sendable, Hashable {
    /// The W3C trace id (32 lowercase hex digits).
    public var traceID: String
    /// The span id (16 lowercase hex digits).
    public var spanID: String
    /// The observed value.
    public var value: Double
    /// When it was observed, in seconds since the Unix epoch; `nil` leaves the timestamp out.
    public var timestamp: Double?

    /// Creates an exemplar.
    ///
    /// - Parameters:
    ///   - traceID: The trace id.
    ///   - spanID: The span id.
    ///   - value: The observed value (usually the value passed to `observe`).
    ///   - timestamp: Seconds since the Unix epoch, or `nil` for none.
    public init(traceID: String, spanID: String, value: Double, timestamp: Double? = nil) {
        self.traceID = traceID
        self.spanID = spanID
        self.value = value
        self.timestamp = timestamp
    }
}
