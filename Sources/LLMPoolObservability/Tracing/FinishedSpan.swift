import Tracing

/// An ended, sampled span: the immutable value handed to ``SpanProcessor``s and ``SpanExporter``s.
public struct FinishedSpan: Sendable {
    /// A link to another span, resolved to its span context.
    public struct Link: Sendable {
        /// The linked span.
        public var context: SpanContext
        /// Attributes describing the link.
        public var attributes: SpanAttributes

        /// Creates a link.
        public init(context: SpanContext, attributes: SpanAttributes = [:]) {
            self.context = context
            self.attributes = attributes
        }
    }

    /// The span's own context (trace id, span id, flags, trace state).
    public var context: SpanContext
    /// The parent span's id; `nil` for a root span.
    public var parentSpanID: SpanID?
    /// Whether the parent came from another process (extracted from `traceparent`).
    public var parentIsRemote: Bool
    /// The operation name.
    public var name: String
    /// The span kind.
    public var kind: SpanKind
    /// Start time in nanoseconds since the Unix epoch.
    public var startTimeUnixNano: UInt64
    /// End time in nanoseconds since the Unix epoch.
    public var endTimeUnixNano: UInt64
    /// The attributes.
    public var attributes: SpanAttributes
    /// The events, oldest first (at most ``RecordedSpan/maxEvents``).
    public var events: [SpanEvent]
    /// Events not kept because the span had too many.
    public var droppedEventsCount: Int
    /// The links (at most ``RecordedSpan/maxLinks``).
    public var links: [Link]
    /// Links not kept: too many, or to a context without a span.
    public var droppedLinksCount: Int
    /// The status; `nil` is OTLP's "unset".
    public var status: SpanStatus?

    /// Creates a finished span; tests and custom tracers use this, ``RecordedSpan`` does it on `end()`.
    public init(
        context: SpanContext,
        parentSpanID: SpanID? = nil,
        parentIsRemote: Bool = false,
        name: String,
        kind: SpanKind = .internal,
        startTimeUnixNano: UInt64,
        endTimeUnixNano: UInt64,
        attributes: SpanAttributes = [:],
        events: [SpanEvent] = [],
        droppedEventsCount: Int = 0,
        links: [Link] = [],
        droppedLinksCount: Int = 0,
        status: SpanStatus? = nil
    ) {
        self.context = context
        self.parentSpanID = parentSpanID
        self.parentIsRemote = parentIsRemote
        self.name = name
        self.kind = kind
        self.startTimeUnixNano = startTimeUnixNano
        self.endTimeUnixNano = endTimeUnixNano
        self.attributes = attributes
        self.events = events
        self.droppedEventsCount = droppedEventsCount
        self.links = links
        self.droppedLinksCount = droppedLinksCount
        self.status = status
    }
}
