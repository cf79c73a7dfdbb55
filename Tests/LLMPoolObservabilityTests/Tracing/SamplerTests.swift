import Testing
import Tracing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("Sampler")
    struct SamplerTests {
        /// Trace ids whose random part (the last 56 bits) is spread evenly over its range.
        static let evenlySpread: [TraceID] = (0..<1000).map { index in
            TraceID(high: 0xABCD, low: UInt64(index) * ((1 << 56) / 1000) + 1)
        }

        static let sampledParent = SpanContext(
            traceID: TraceID(high: 1, low: 1),
            spanID: SpanID(1)!,
            traceFlags: 1,
            isRemote: true
        )
        static let unsampledParent = SpanContext(
            traceID: TraceID(high: 1, low: 1),
            spanID: SpanID(1)!,
            traceFlags: 0,
            isRemote: true
        )

        @Test("ratio 0 samples nothing, ratio 1 everything")
        func ratioBounds() {
            #expect(Self.evenlySpread.allSatisfy { !Sampler.traceIDRatio(0).shouldSample(traceID: $0, parent: nil) })
            #expect(Self.evenlySpread.allSatisfy { Sampler.traceIDRatio(1).shouldSample(traceID: $0, parent: nil) })
            #expect(Sampler.traceIDRatio(1).shouldSample(traceID: TraceID(high: 0, low: .max), parent: nil))
        }

        @Test("a ratio samples that fraction of trace ids, the same ones every time", arguments: [0.1, 0.25, 0.5, 0.9])
        func ratioFraction(_ ratio: Double) {
            let sampler = Sampler.traceIDRatio(ratio)
            let sampled = Self.evenlySpread.filter { sampler.shouldSample(traceID: $0, parent: nil) }
            #expect(abs(Double(sampled.count) / 1000 - ratio) < 0.01)
            #expect(sampled == Self.evenlySpread.filter { sampler.shouldSample(traceID: $0, parent: nil) })
            // Consistent: a trace sampled at this ratio is sampled at any higher one.
            #expect(
                sampled.allSatisfy { Sampler.traceIDRatio(min(1, ratio + 0.05)).shouldSample(traceID: $0, parent: nil) }
            )
        }

        @Test("the ratio ignores the parent; parent-based kinds follow it")
        func parentBased() {
            let id = TraceID(high: 1, low: 1)
            #expect(!Sampler.traceIDRatio(0).shouldSample(traceID: id, parent: Self.sampledParent))
            for sampler in [
                Sampler.parentBasedAlwaysOn, Sampler(.parentBasedAlwaysOff), .parentBasedTraceIDRatio(0),
                .parentBasedTraceIDRatio(1),
            ] {
                #expect(sampler.shouldSample(traceID: id, parent: Self.sampledParent), "\(sampler)")
                #expect(!sampler.shouldSample(traceID: id, parent: Self.unsampledParent), "\(sampler)")
            }
            #expect(Sampler.parentBasedAlwaysOn.shouldSample(traceID: id, parent: nil))
            #expect(!Sampler(.parentBasedAlwaysOff).shouldSample(traceID: id, parent: nil))
            #expect(!Sampler.parentBasedTraceIDRatio(0).shouldSample(traceID: id, parent: nil))
            #expect(Sampler.alwaysOn.shouldSample(traceID: id, parent: Self.unsampledParent))
            #expect(!Sampler.alwaysOff.shouldSample(traceID: id, parent: Self.sampledParent))
        }

        @Test("the recorder applies the sampler to local and remote parents")
        func recorderSampling() throws {
            let capture = CapturingProcessor()
            var configuration = TracingConfiguration.defaults
            configuration.sampler = .parentBasedTraceIDRatio(0)
            let recorder = try SpanRecorder(configuration: configuration, processors: [capture])

            let root = recorder.startSpan("root", context: .topLevel)
            #expect(!root.isRecording)
            let child = recorder.startSpan("child", context: root.context)
            #expect(!child.isRecording)

            var remote = ServiceContext.topLevel
            remote.spanContext = Self.sampledParent
            let continued = recorder.startSpan("continued", context: remote)
            #expect(continued.isRecording)
            for span in [child, root, continued] { span.end() }
            #expect(capture.spans.map(\.name) == ["continued"])
        }
    }
}
