import Synchronization
import Testing
import Tracing

@testable import LLMPoolObservability

/// The tracing suites, grouped so `swift test --filter Tracing` selects them.
@Suite("Tracing") enum TracingTests {}

/// Captures every span handed to it, for assertions.
final class CapturingProcessor: SpanProcessor {
    private let captured = Mutex<[FinishedSpan]>([])

    var spans: [FinishedSpan] { captured.withLock { $0 } }

    func onEnd(_ span: FinishedSpan) {
        captured.withLock { $0.append(span) }
    }
}

/// An exporter keeping batches in memory; it can be told to fail.
final class InMemoryExporter: SpanExporter {
    struct Failure: Error {}

    private struct State {
        var batches: [[FinishedSpan]] = []
        var failing = false
        var shutDown = false
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    var batches: [[FinishedSpan]] { state.withLock { $0.batches } }
    var batchSizes: [Int] { batches.map(\.count) }
    var spanNames: [String] { batches.flatMap { $0.map(\.name) } }
    var isShutDown: Bool { state.withLock { $0.shutDown } }

    func setFailing(_ failing: Bool) {
        state.withLock { $0.failing = failing }
    }

    /// Returns once at least `count` batches have been exported.
    func waitForBatches(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                guard state.batches.count < count else { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func export(_ batch: [FinishedSpan]) async throws {
        let ready = try state.withLock { state in
            guard !state.failing else { throw Failure() }
            state.batches.append(batch)
            let total = state.batches.count
            let ready = state.waiters.filter { $0.count <= total }.map(\.continuation)
            state.waiters.removeAll { $0.count <= total }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    func shutdown() async {
        state.withLock { $0.shutDown = true }
    }
}

/// Counts what ``BatchSpanProcessor/Hooks`` report.
final class HookCounter: Sendable {
    private struct Counts {
        var dropped = 0
        var exported = 0
        var failed = 0
    }

    private let counts = Mutex(Counts())

    var dropped: Int { counts.withLock { $0.dropped } }
    var exported: Int { counts.withLock { $0.exported } }
    var failed: Int { counts.withLock { $0.failed } }

    var hooks: BatchSpanProcessor.Hooks {
        BatchSpanProcessor.Hooks(
            onDrop: { count in self.counts.withLock { $0.dropped += count } },
            onExport: { result, count in
                self.counts.withLock {
                    switch result {
                    case .success: $0.exported += count
                    case .failure: $0.failed += count
                    }
                }
            }
        )
    }
}

/// A fixed instant, so span times are exact in assertions.
struct FixedInstant: TracerInstant {
    var nanosecondsSinceEpoch: UInt64

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch }
}

extension FinishedSpan {
    /// A sampled root span named `name`, for processor and exporter tests.
    static func fixture(_ name: String, index: UInt64 = 1) -> FinishedSpan {
        FinishedSpan(
            context: SpanContext(traceID: TraceID(high: 1, low: index), spanID: SpanID(index)!, traceFlags: 1),
            name: name,
            startTimeUnixNano: 1_000,
            endTimeUnixNano: 2_000
        )
    }
}

extension TracingConfiguration {
    /// Export on, with a schedule far in the future so only explicit flushes export.
    static func testing(endpoint: String = "http://127.0.0.1:4318") -> TracingConfiguration {
        var configuration = TracingConfiguration.defaults
        configuration.enabled = true
        configuration.endpoint = endpoint
        configuration.batch.scheduleDelay = .seconds(3600)
        return configuration
    }
}
