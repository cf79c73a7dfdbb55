/// Sends batches of finished spans somewhere: ``OTLPHTTPExporter`` to an OTLP/HTTP collector, tests
/// to memory.
///
/// ``BatchSpanProcessor`` never calls ``export(_:)`` concurrently on one exporter.
public protocol SpanExporter: Sendable {
    /// Exports one batch.
    ///
    /// - Parameter batch: The spans, in the order they ended.
    /// - Throws: When the batch could not be delivered (after any retries); the batch is dropped.
    func export(_ batch: [FinishedSpan]) async throws

    /// Releases resources; called once, after the last ``export(_:)``.
    func shutdown() async
}

extension SpanExporter {
    public func shutdown() async {}
}

/// The outcome of one export, reported through ``BatchSpanProcessor/Hooks``.
public enum SpanExportResult: Sendable {
    /// The exporter accepted the batch.
    case success
    /// The exporter failed or timed out; the batch was dropped.
    case failure(any Error)
}
