import Logging
import Tracing

/// llm-pool's tracer: starts ``RecordedSpan``s, samples them, propagates W3C `traceparent` /
/// `tracestate`, and hands ended spans to a ``BatchSpanProcessor`` that exports them over
/// OTLP/HTTP.
///
/// Create one from the configuration, run its ``batchProcessor`` in the `ServiceGroup` (first in
/// the list, so it shuts down last and flushes what the servers recorded while draining), and
/// either bootstrap it as the process tracer or pass it where spans are started.
///
/// ```swift
/// let configuration = try TracingConfiguration.defaults
///     .applyingEnvironment(ProcessInfo.processInfo.environment)
/// try configuration.validate()
/// let recorder = try SpanRecorder(configuration: configuration)
/// InstrumentationSystem.bootstrap(recorder)
/// let services: [any Service] = [recorder.batchProcessor].compactMap { $0 } + [httpServer, grpcServer]
///
/// // In a request handler: continue the caller's trace, call a provider with our span as parent.
/// var context = ServiceContext.topLevel
/// recorder.extract(["traceparent": incomingTraceparent], into: &context, using: HeaderDictionaryExtractor())
/// try await recorder.withSpan("POST /v1/infer", context: context, ofKind: .server) { span in
///     span.attributes["gen_ai.request.model"] = "phi3:mini"
///     var upstreamHeaders: [String: String] = [:]
///     recorder.inject(span.context, into: &upstreamHeaders, using: HeaderDictionaryInjector())
///     logger.info("calling provider", metadata: ["trace_id": "\(SpanRecorder.currentTraceID() ?? "-")"])
/// }
/// ```
public final class SpanRecorder: Tracer, Sendable {
    public typealias Span = RecordedSpan

    /// The configuration the recorder was created with.
    public let configuration: TracingConfiguration
    /// The processor queueing spans for export: a `Service` to run in the `ServiceGroup`; `nil`
    /// when export is disabled.
    public let batchProcessor: BatchSpanProcessor?

    private let processors: [any SpanProcessor]

    /// Creates a recorder.
    ///
    /// - Parameters:
    ///   - configuration: Sampling, export and resource settings. When ``TracingConfiguration/enabled``
    ///     is `false`, no batch processor is made and ended spans go only to `processors`.
    ///   - exporter: Where the batch processor sends spans; default an ``OTLPHTTPExporter`` for
    ///     `configuration`. Ignored when export is disabled.
    ///   - processors: More processors that see every sampled span when it ends, such as an
    ///     in-memory one in tests.
    ///   - hooks: Callbacks for dropped spans and export results, for metrics.
    /// - Throws: ``TracingConfigurationError`` when the configuration does not validate.
    public init(
        configuration: TracingConfiguration,
        exporter: (any SpanExporter)? = nil,
        processors: [any SpanProcessor] = [],
        hooks: BatchSpanProcessor.Hooks = .init()
    ) throws(TracingConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        if configuration.enabled {
            let exporter: any SpanExporter =
                if let exporter { exporter } else { try OTLPHTTPExporter(configuration: configuration) }
            let batchProcessor = BatchSpanProcessor(
                exporter: exporter,
                configuration: configuration.batch,
                hooks: hooks
            )
            self.batchProcessor = batchProcessor
            self.processors = processors + [batchProcessor]
        } else {
            self.batchProcessor = nil
            self.processors = processors
        }
    }

    /// Starts a span whose parent is the span context in `context` (a local span, or a remote
    /// parent put there by ``extract(_:into:using:)``), or a root span when there is none.
    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> RecordedSpan {
        let parentContext = context()
        let parent = parentContext.spanContext
        let traceID = parent?.traceID ?? .random()
        var spanContext = SpanContext(traceID: traceID, spanID: .random(), traceState: parent?.traceState)
        spanContext.isSampled = configuration.sampler.shouldSample(traceID: traceID, parent: parent)
        return RecordedSpan(
            name: operationName,
            spanContext: spanContext,
            parentContext: parentContext,
            parentSpanID: parent?.spanID,
            parentIsRemote: parent?.isRemote ?? false,
            kind: kind,
            startTimeUnixNano: instant().nanosecondsSinceEpoch,
            processors: processors
        )
    }

    /// Whether ended spans go anywhere (an exporter or another processor). When not, spans
    /// still carry ids to logs, exemplars and `traceparent`, but purely internal spans can be
    /// skipped altogether.
    public var hasProcessors: Bool { !processors.isEmpty }

    /// Asks the batch processor to export what it holds now, without waiting; see
    /// ``BatchSpanProcessor/forceFlush()`` to wait.
    public func forceFlush() {
        for processor in processors {
            processor.requestFlush()
        }
    }

    /// Reads `traceparent` and `tracestate` from `carrier` and, when `traceparent` is valid, puts the
    /// remote span context into `context` as the parent of the next span started with it.
    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier,
        into context: inout ServiceContext,
        using extractor: Extract
    ) where Extract.Carrier == Carrier {
        guard let traceparent = extractor.extract(key: SpanContext.traceparentHeader, from: carrier),
            let remote = SpanContext(
                traceparent: traceparent,
                tracestate: extractor.extract(key: SpanContext.tracestateHeader, from: carrier)
            )
        else { return }
        context.spanContext = remote
    }

    /// Writes `traceparent` (and `tracestate`, when there is one) for the span context in `context`.
    public func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext,
        into carrier: inout Carrier,
        using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let spanContext = context.spanContext else { return }
        injector.inject(spanContext.traceparent, forKey: SpanContext.traceparentHeader, into: &carrier)
        if let traceState = spanContext.traceState {
            injector.inject(traceState, forKey: SpanContext.tracestateHeader, into: &carrier)
        }
    }
}

extension SpanRecorder {
    /// The `traceparent` header value for the span in `context`, or `nil` when it holds none.
    public static func traceparent(of context: ServiceContext) -> String? {
        context.spanContext?.traceparent
    }

    /// The span context of the task's current span (`ServiceContext.current`), if any.
    public static func currentSpanContext() -> SpanContext? {
        ServiceContext.current?.spanContext
    }

    /// The current trace id as 32 hex digits, for log metadata and exemplars; `nil` outside a span.
    public static func currentTraceID() -> String? {
        currentSpanContext()?.traceID.hex
    }

    /// The current span id as 16 hex digits; `nil` outside a span.
    public static func currentSpanID() -> String? {
        currentSpanContext()?.spanID.hex
    }

    /// A swift-log metadata provider adding `trace_id` and `span_id` of the current span to every
    /// log line: `Logger(label: "llm-pool", metadataProvider: SpanRecorder.loggingMetadataProvider)`.
    public static let loggingMetadataProvider = Logger.MetadataProvider {
        guard let spanContext = currentSpanContext() else { return [:] }
        return ["trace_id": "\(spanContext.traceID.hex)", "span_id": "\(spanContext.spanID.hex)"]
    }
}
