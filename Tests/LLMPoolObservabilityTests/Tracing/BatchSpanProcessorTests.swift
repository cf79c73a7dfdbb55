import LLMPoolTesting
import Logging
import ServiceLifecycle
import Testing
import Tracing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("BatchSpanProcessor", .timeLimit(.minutes(1)))
    struct BatchSpanProcessorTests {
        let exporter = InMemoryExporter()
        let counter = HookCounter()
        let clock = ManualClock()
        static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

        func processor(queue: Int = 2048, batch: Int = 512, timeout: Duration = .seconds(10)) -> BatchSpanProcessor {
            BatchSpanProcessor(
                exporter: exporter,
                configuration: .init(
                    maxQueueSize: queue,
                    maxExportBatchSize: batch,
                    scheduleDelay: .seconds(1),
                    exportTimeout: timeout
                ),
                hooks: counter.hooks,
                clock: clock,
                logger: Self.quiet
            )
        }

        /// Runs `processor` in a service group around `body`, then shuts it down gracefully.
        func running(_ processor: BatchSpanProcessor, _ body: () async throws -> Void) async throws {
            let group = ServiceGroup(configuration: .init(services: [processor], logger: Self.quiet))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await body()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }

        @Test("a full queue drops spans and counts them")
        func queueBound() async {
            let processor = processor(queue: 4, batch: 2)
            for index in 1...6 { processor.onEnd(.fixture("span \(index)", index: UInt64(index))) }
            #expect(processor.queuedCount == 4)
            #expect(counter.dropped == 2)

            await processor.forceFlush()
            #expect(exporter.batchSizes == [2, 2])
            #expect(exporter.spanNames == ["span 1", "span 2", "span 3", "span 4"])
            #expect(counter.exported == 4)
            #expect(processor.queuedCount == 0)
        }

        @Test("a full batch is exported at once; the rest waits for a flush")
        func batchSize() async throws {
            let processor = processor(batch: 2)
            try await running(processor) {
                for index in 1...5 { processor.onEnd(.fixture("span \(index)", index: UInt64(index))) }
                await exporter.waitForBatches(2)
                #expect(exporter.batchSizes == [2, 2])
                #expect(processor.queuedCount == 1)
                await processor.forceFlush()
                #expect(exporter.batchSizes == [2, 2, 1])
            }
        }

        @Test("the schedule delay exports a partial batch")
        func scheduleDelay() async throws {
            let processor = processor()
            try await running(processor) {
                processor.onEnd(.fixture("lonely"))
                await clock.waitForSleepers(1)
                clock.advance(by: .seconds(1))
                await exporter.waitForBatches(1)
                #expect(exporter.spanNames == ["lonely"])
            }
        }

        @Test("graceful shutdown exports everything left, then shuts the exporter down")
        func flushOnShutdown() async throws {
            let processor = processor(batch: 2)
            try await running(processor) {
                processor.onEnd(.fixture("a", index: 1))
                await processor.forceFlush()
                for index in 2...4 { processor.onEnd(.fixture("later", index: UInt64(index))) }
            }
            #expect(exporter.spanNames.count == 4)
            #expect(exporter.isShutDown)
            #expect(counter.exported == 4)
            processor.onEnd(.fixture("too late"))
            #expect(counter.dropped == 1)
            await processor.forceFlush()
            #expect(exporter.spanNames.count == 4)
        }

        @Test("a failing export is reported and its batch dropped")
        func exportFailure() async {
            let processor = processor()
            exporter.setFailing(true)
            processor.onEnd(.fixture("lost"))
            await processor.forceFlush()
            #expect(counter.failed == 1)
            #expect(counter.exported == 0)
            #expect(processor.queuedCount == 0)
        }

        @Test("an export that outlasts the export timeout is cancelled and reported")
        func exportTimeout() async {
            let hanging = HangingExporter()
            let processor = BatchSpanProcessor(
                exporter: hanging,
                configuration: .init(
                    maxQueueSize: 10,
                    maxExportBatchSize: 10,
                    scheduleDelay: .seconds(1),
                    exportTimeout: .seconds(5)
                ),
                hooks: counter.hooks,
                clock: clock,
                logger: Self.quiet
            )
            processor.onEnd(.fixture("stuck"))
            async let flushed: Void = processor.forceFlush()
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(5))
            await flushed
            #expect(counter.failed == 1)
        }

        @Test("the recorder's spans reach the exporter through the processor")
        func throughRecorder() async throws {
            let recorder = try SpanRecorder(configuration: .testing(), exporter: exporter, hooks: counter.hooks)
            let processor = try #require(recorder.batchProcessor)
            try await running(processor) {
                recorder.withSpan("POST /v1/infer", context: .topLevel) { _ in }
                await processor.forceFlush()
                #expect(exporter.spanNames == ["POST /v1/infer"])
            }
        }
    }
}

/// An exporter that never finishes until cancelled.
struct HangingExporter: SpanExporter {
    func export(_ batch: [FinishedSpan]) async throws {
        // Nothing is ever yielded; iteration ends when the task is cancelled.
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        defer { continuation.finish() }
        for await _ in stream {}
        try Task.checkCancellation()
    }
}
