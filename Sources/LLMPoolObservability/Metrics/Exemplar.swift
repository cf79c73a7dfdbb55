/// A sample linked to the trace that produced it, attached to a histogram bucket and exposed in
/// OpenMetrics as ` # {trace_id="…",span_id="…"} value timestamp`.
///
/// Each bucket keeps its most recent exemplar. The Prometheus text format has no exemplars.
/// Made from raw ids (``init(traceIDHigh:traceIDLow:spanID:value:timestamp:)``) it costs no
/// string work on the request path: the hex digits are written only when `/metrics` renders.
public struct Exemplar: Sendable, Hashable {
    private enum Identity: Sendable, Hashable {
        case text(traceID: String, spanID: String)
        case raw(high: UInt64, low: UInt64, span: UInt64)
    }

    private var identity: Identity
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
        identity = .text(traceID: traceID, spanID: spanID)
        self.value = value
        self.timestamp = timestamp
    }

    /// Creates an exemplar from the raw W3C ids: the trace id's high and low 64 bits and the span id.
    public init(traceIDHigh: UInt64, traceIDLow: UInt64, spanID: UInt64, value: Double, timestamp: Double? = nil) {
        identity = .raw(high: traceIDHigh, low: traceIDLow, span: spanID)
        self.value = value
        self.timestamp = timestamp
    }

    /// The W3C trace id (32 lowercase hex digits).
    public var traceID: String {
        switch identity {
        case .text(let traceID, _): traceID
        case .raw(let high, let low, _): Hex.encode(high) + Hex.encode(low)
        }
    }

    /// The span id (16 lowercase hex digits).
    public var spanID: String {
        switch identity {
        case .text(_, let spanID): spanID
        case .raw(_, _, let span): Hex.encode(span)
        }
    }
}
