extension BatchSpanProcessor {
    /// Queue and batch limits, named after the OpenTelemetry `OTEL_BSP_*` settings.
    public struct Configuration: Sendable, Hashable {
        /// Spans held at most; spans ending while it is full are dropped and counted. Default 2048.
        /// TOML `tracing.batch.max_queue_size`.
        public var maxQueueSize: Int
        /// Spans per export at most; a full batch is exported at once. Default 512.
        /// TOML `tracing.batch.max_export_batch_size`.
        public var maxExportBatchSize: Int
        /// How often what is queued is exported even if no batch is full. Default 1 s.
        /// TOML `tracing.batch.schedule_delay_ms`.
        public var scheduleDelay: Duration
        /// How long one export, retries included, may take. Default 10 s.
        /// TOML `tracing.batch.export_timeout_ms`.
        public var exportTimeout: Duration

        /// Creates a configuration.
        public init(maxQueueSize: Int, maxExportBatchSize: Int, scheduleDelay: Duration, exportTimeout: Duration) {
            self.maxQueueSize = maxQueueSize
            self.maxExportBatchSize = maxExportBatchSize
            self.scheduleDelay = scheduleDelay
            self.exportTimeout = exportTimeout
        }

        /// The OpenTelemetry defaults: 2048 queued, batches of 512, every second, 10 s per export.
        public static var defaults: Configuration {
            Configuration(
                maxQueueSize: 2048,
                maxExportBatchSize: 512,
                scheduleDelay: .seconds(1),
                exportTimeout: .seconds(10)
            )
        }

        /// Checks the limits.
        ///
        /// - Throws: ``TracingConfigurationError`` naming the TOML key.
        public func validate() throws(TracingConfigurationError) {
            guard maxQueueSize > 0 else { throw .invalidValue(key: "tracing.batch.max_queue_size", "must be > 0") }
            guard maxExportBatchSize > 0, maxExportBatchSize <= maxQueueSize else {
                throw .invalidValue(
                    key: "tracing.batch.max_export_batch_size",
                    "must be in 1...max_queue_size (\(maxQueueSize))"
                )
            }
            guard scheduleDelay > .zero else {
                throw .invalidValue(key: "tracing.batch.schedule_delay_ms", "must be > 0")
            }
            guard exportTimeout > .zero else {
                throw .invalidValue(key: "tracing.batch.export_timeout_ms", "must be > 0")
            }
        }
    }

    /// Callbacks for the metrics registry: spans dropped, and the outcome of each export.
    ///
    /// Both are called synchronously from the processor; keep them cheap (increment a counter).
    public struct Hooks: Sendable {
        /// Called with the number of spans dropped because the queue was full or the processor had stopped.
        public var onDrop: @Sendable (_ count: Int) -> Void
        /// Called after each export with its result and the number of spans in the batch.
        public var onExport: @Sendable (_ result: SpanExportResult, _ count: Int) -> Void

        /// Creates hooks; both default to doing nothing.
        public init(
            onDrop: @escaping @Sendable (_ count: Int) -> Void = { _ in },
            onExport: @escaping @Sendable (_ result: SpanExportResult, _ count: Int) -> Void = { _, _ in }
        ) {
            self.onDrop = onDrop
            self.onExport = onExport
        }
    }
}
