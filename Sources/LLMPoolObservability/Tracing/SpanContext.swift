import Tracing

/// The part of a span that crosses process boundaries: what `traceparent` and `tracestate` carry.
///
/// A span's context lives in its `ServiceContext` under ``SpanContextKey``; read it with
/// `context.spanContext`.
public struct SpanContext: Sendable, Hashable {
    /// The trace the span belongs to.
    public var traceID: TraceID
    /// The span itself (for a remote context: the caller's span, our parent).
    public var spanID: SpanID
    /// W3C trace flags; bit 0 is "sampled".
    public var traceFlags: UInt8
    /// The W3C `tracestate` header, carried through unchanged; `nil` when absent.
    public var traceState: String?
    /// Whether this context came from another process (extracted from headers).
    public var isRemote: Bool

    /// Creates a span context.
    ///
    /// - Parameters:
    ///   - traceID: The trace id.
    ///   - spanID: The span id.
    ///   - traceFlags: W3C trace flags (`0x01` sampled).
    ///   - traceState: The `tracestate` value to carry, if any.
    ///   - isRemote: Whether it was extracted from an incoming request.
    public init(
        traceID: TraceID,
        spanID: SpanID,
        traceFlags: UInt8 = 0,
        traceState: String? = nil,
        isRemote: Bool = false
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.traceFlags = traceFlags
        self.traceState = traceState
        self.isRemote = isRemote
    }

    /// Whether the trace is sampled (trace flag bit 0).
    public var isSampled: Bool {
        get { traceFlags & 0x01 != 0 }
        set { traceFlags = newValue ? traceFlags | 0x01 : traceFlags & ~0x01 }
    }
}

/// The `ServiceContext` key under which the current span's ``SpanContext`` is kept.
public enum SpanContextKey: ServiceContextKey {
    public typealias Value = SpanContext
    public static var nameOverride: String? { "span-context" }
}

extension ServiceContext {
    /// The span context of the current span, or of the remote parent extracted from headers.
    public var spanContext: SpanContext? {
        get { self[SpanContextKey.self] }
        set { self[SpanContextKey.self] = newValue }
    }
}
