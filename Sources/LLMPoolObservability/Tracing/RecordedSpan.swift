import Synchronization
import Tracing

/// A span started by ``SpanRecorder``: its identity is fixed at start, its name, attributes,
/// events, links and status are recorded behind a mutex until `end()`.
///
/// An unsampled span still has ids (so `traceparent` propagates the "not sampled" decision) but
/// records nothing, and `end()` hands it to no one.
public final class RecordedSpan: Tracing.Span, Sendable {
    /// At most this many events are kept per span (the OpenTelemetry SDK default); later ones are counted as dropped.
    public static let maxEvents = 128
    /// At most this many links are kept per span (the OpenTelemetry SDK default).
    public static let maxLinks = 128

    private struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var events: [SpanEvent] = []
        var droppedEventsCount = 0
        var links: [FinishedSpan.Link] = []
        var droppedLinksCount = 0
        var status: SpanStatus?
        var endTimeUnixNano: UInt64?
    }

    /// The service context carrying this span's ``SpanContext``: pass it to child spans and to `inject`.
    public let context: ServiceContext
    /// The span's ids, flags and trace state.
    public let spanContext: SpanContext
    /// The parent span's id; `nil` for a root span.
    public let parentSpanID: SpanID?
    /// Whether the parent came from another process.
    public let parentIsRemote: Bool
    /// The span kind.
    public let kind: SpanKind
    /// Start time in nanoseconds since the Unix epoch.
    public let startTimeUnixNano: UInt64

    private let state: Mutex<State>
    private let processors: [any SpanProcessor]
    /// Whether anything will read what is recorded: the span is sampled and some processor
    /// receives it. When not, attributes, events and status are dropped without taking the lock
    /// (the span still carries its ids to logs, exemplars and `traceparent`).
    private let records: Bool

    init(
        name: String,
        spanContext: SpanContext,
        parentContext: ServiceContext,
        parentSpanID: SpanID?,
        parentIsRemote: Bool,
        kind: SpanKind,
        startTimeUnixNano: UInt64,
        processors: [any SpanProcessor]
    ) {
        var context = parentContext
        context.spanContext = spanContext
        self.context = context
        self.spanContext = spanContext
        self.parentSpanID = parentSpanID
        self.parentIsRemote = parentIsRemote
        self.kind = kind
        self.startTimeUnixNano = startTimeUnixNano
        self.state = Mutex(State(name: name))
        self.processors = spanContext.isSampled ? processors : []
        self.records = spanContext.isSampled && !processors.isEmpty
    }

    /// The trace id.
    public var traceID: TraceID { spanContext.traceID }
    /// The span id.
    public var spanID: SpanID { spanContext.spanID }
    /// End time in nanoseconds since the Unix epoch; `nil` until the span ends.
    public var endTimeUnixNano: UInt64? { state.withLock { $0.endTimeUnixNano } }
    /// The events recorded so far.
    public var events: [SpanEvent] { state.withLock { $0.events } }
    /// The status set so far; `nil` is "unset".
    public var status: SpanStatus? { state.withLock { $0.status } }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { record { $0.name = newValue } }
    }

    public var attributes: SpanAttributes {
        get { records ? state.withLock { $0.attributes } : [:] }
        set { record { $0.attributes = newValue } }
    }

    /// Sets one attribute (cheaper than `attributes[key] = value`, which copies the set twice).
    public func setAttribute(_ key: String, _ value: SpanAttribute) {
        record { $0.attributes[key] = value }
    }

    /// Whether the span is sampled, will reach a processor, and has not ended.
    public var isRecording: Bool {
        records && state.withLock { $0.endTimeUnixNano == nil }
    }

    /// Sets the status. As the OpenTelemetry API specifies, `ok` is final, and an error message is
    /// kept only with the `error` code.
    public func setStatus(_ status: SpanStatus) {
        record { state in
            guard state.status?.code != .ok else { return }
            state.status = status.code == .ok ? SpanStatus(code: .ok) : status
        }
    }

    public func addEvent(_ event: SpanEvent) {
        record { state in
            guard state.events.count < Self.maxEvents else {
                state.droppedEventsCount += 1
                return
            }
            state.events.append(event)
        }
    }

    /// Records an `exception` event with `exception.type` and `exception.message` (OpenTelemetry
    /// semantic conventions); the status is left to the caller (`withSpan` sets `error`).
    public func recordError<Instant: TracerInstant>(
        _ error: any Error,
        attributes: SpanAttributes,
        at instant: @autoclosure () -> Instant
    ) {
        guard records else { return }
        var eventAttributes = attributes
        eventAttributes["exception.type"] = String(reflecting: type(of: error))
        eventAttributes["exception.message"] = String(describing: error)
        addEvent(SpanEvent(name: "exception", at: instant(), attributes: eventAttributes))
    }

    /// Links this span to the span in `link.context`; a context without a span is counted as dropped.
    public func addLink(_ link: SpanLink) {
        record { state in
            guard let context = link.context.spanContext, state.links.count < Self.maxLinks else {
                state.droppedLinksCount += 1
                return
            }
            state.links.append(FinishedSpan.Link(context: context, attributes: link.attributes))
        }
    }

    /// Ends the span and hands it to the processors; later calls do nothing.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = max(instant().nanosecondsSinceEpoch, startTimeUnixNano)
        let finished: FinishedSpan? = state.withLock { state in
            guard state.endTimeUnixNano == nil else { return nil }
            state.endTimeUnixNano = end
            guard records else { return nil }
            return FinishedSpan(
                context: spanContext,
                parentSpanID: parentSpanID,
                parentIsRemote: parentIsRemote,
                name: state.name,
                kind: kind,
                startTimeUnixNano: startTimeUnixNano,
                endTimeUnixNano: end,
                attributes: state.attributes,
                events: state.events,
                droppedEventsCount: state.droppedEventsCount,
                links: state.links,
                droppedLinksCount: state.droppedLinksCount,
                status: state.status
            )
        }
        guard let finished else { return }
        for processor in processors {
            processor.onEnd(finished)
        }
    }

    /// Applies `change` while the span is sampled and not ended.
    private func record(_ change: (inout State) -> Void) {
        guard records else { return }
        state.withLock { state in
            guard state.endTimeUnixNano == nil else { return }
            change(&state)
        }
    }
}
