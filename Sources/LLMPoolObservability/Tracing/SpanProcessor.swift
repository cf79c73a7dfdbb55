/// Receives every sampled span when it ends.
///
/// ``BatchSpanProcessor`` queues spans for export; tests pass their own processor to
/// ``SpanRecorder/init(configuration:exporter:processors:hooks:)`` to capture spans in memory, with or
/// without export.
public protocol SpanProcessor: Sendable {
    /// Called once per sampled span, synchronously from `end()`: must not block.
    func onEnd(_ span: FinishedSpan)

    /// Asks the processor to hand what it holds to its exporter soon, without waiting.
    func requestFlush()
}

extension SpanProcessor {
    public func requestFlush() {}
}
