import Logging
import Testing
import Tracing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("SpanRecorder")
    struct SpanRecorderTests {
        let capture = CapturingProcessor()

        func recorder(_ sampler: Sampler = .parentBasedAlwaysOn) throws -> SpanRecorder {
            var configuration = TracingConfiguration.defaults
            configuration.sampler = sampler
            return try SpanRecorder(configuration: configuration, processors: [capture])
        }

        @Test("a child shares the trace id and records its parent's span id")
        func childContinuesParent() throws {
            let recorder = try recorder()
            let parent = recorder.startSpan("parent", context: .topLevel)
            let child = recorder.startSpan("child", context: parent.context, ofKind: .client)
            child.end()
            parent.end()

            let spans = capture.spans
            #expect(spans.map(\.name) == ["child", "parent"])
            #expect(spans[0].context.traceID == spans[1].context.traceID)
            #expect(spans[0].parentSpanID == spans[1].context.spanID)
            #expect(spans[1].parentSpanID == nil)
            #expect(spans[0].kind == .client)
            #expect(spans[0].context.spanID != spans[1].context.spanID)
        }

        @Test("an extracted traceparent becomes the remote parent; inject writes ours")
        func continuesRemoteTrace() throws {
            let recorder = try recorder()
            let incoming = [
                "Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "tracestate": "rojo=00f067aa0ba902b7",
            ]
            var context = ServiceContext.topLevel
            recorder.extract(incoming, into: &context, using: HeaderDictionaryExtractor())
            #expect(context.spanContext?.isRemote == true)

            let span = recorder.startSpan("POST /v1/infer", context: context, ofKind: .server)
            var outgoing: [String: String] = [:]
            recorder.inject(span.context, into: &outgoing, using: HeaderDictionaryInjector())
            span.end()

            let finished = try #require(capture.spans.first)
            #expect(finished.context.traceID.hex == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(finished.parentSpanID?.hex == "00f067aa0ba902b7")
            #expect(finished.parentIsRemote)
            #expect(finished.context.traceState == "rojo=00f067aa0ba902b7")
            #expect(outgoing["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(finished.context.spanID.hex)-01")
            #expect(outgoing["tracestate"] == "rojo=00f067aa0ba902b7")
            #expect(SpanRecorder.traceparent(of: span.context) == outgoing["traceparent"])
        }

        @Test("an invalid traceparent starts a new trace")
        func invalidTraceparentIgnored() throws {
            let recorder = try recorder()
            var context = ServiceContext.topLevel
            recorder.extract(
                ["traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
                into: &context,
                using: HeaderDictionaryExtractor()
            )
            #expect(context.spanContext == nil)
            #expect(SpanRecorder.traceparent(of: context) == nil)
        }

        @Test("withSpan makes the span current: trace id for logs, nesting, error status")
        func currentSpan() async throws {
            let recorder = try recorder()
            #expect(SpanRecorder.currentTraceID() == nil)
            struct Boom: Error {}
            var seen: (trace: String?, span: String?, metadata: Logger.Metadata) = (nil, nil, [:])
            await #expect(throws: Boom.self) {
                try await recorder.withSpan("outer") { outer in
                    try await recorder.withSpan("inner") { inner in
                        seen = (
                            SpanRecorder.currentTraceID(), SpanRecorder.currentSpanID(),
                            SpanRecorder.loggingMetadataProvider.get()
                        )
                        #expect(seen.trace == inner.traceID.hex)
                        #expect(inner.traceID == outer.traceID)
                        throw Boom()
                    }
                }
            }
            let spans = capture.spans
            #expect(spans.map(\.name) == ["inner", "outer"])
            #expect(spans[0].parentSpanID == spans[1].context.spanID)
            #expect(seen.span == spans[0].context.spanID.hex)
            #expect(seen.metadata["trace_id"] == .string(spans[0].context.traceID.hex))
            #expect(spans[0].status?.code == .error)
            #expect(spans[0].events.map(\.name) == ["exception"])
            #expect(spans[0].events.first?.attributes.get("exception.type") != nil)
        }

        @Test("times, attributes, events and links are recorded; nothing after end")
        func records() throws {
            let recorder = try recorder()
            let other = recorder.startSpan("other", context: .topLevel)
            let span = recorder.startSpan(
                "chat phi3:mini",
                context: .topLevel,
                ofKind: .client,
                at: FixedInstant(nanosecondsSinceEpoch: 1_000)
            )
            span.attributes["gen_ai.request.model"] = "phi3:mini"
            span.attributes["gen_ai.usage.input_tokens"] = 12
            span.addEvent("first token")
            span.addLink(SpanLink(context: other.context, attributes: ["reason": "hedge"]))
            span.addLink(SpanLink(context: .topLevel, attributes: [:]))
            span.setStatus(.init(code: .ok, message: "ignored"))
            span.setStatus(.init(code: .error, message: "too late"))
            #expect(span.isRecording)
            span.end(at: FixedInstant(nanosecondsSinceEpoch: 5_000))
            span.attributes["after"] = true
            span.end(at: FixedInstant(nanosecondsSinceEpoch: 9_000))
            #expect(!span.isRecording)

            let finished = try #require(capture.spans.first)
            #expect(capture.spans.count == 1)
            #expect(finished.startTimeUnixNano == 1_000)
            #expect(finished.endTimeUnixNano == 5_000)
            #expect(finished.attributes.get("gen_ai.request.model") == .string("phi3:mini"))
            #expect(finished.attributes.get("gen_ai.usage.input_tokens") == .int64(12))
            #expect(finished.attributes.get("after") == nil)
            #expect(finished.events.map(\.name) == ["first token"])
            #expect(finished.links.map(\.context.spanID) == [other.spanID])
            #expect(finished.droppedLinksCount == 1)
            #expect(finished.status == SpanStatus(code: .ok))
        }

        @Test("an unsampled span propagates its decision and reaches no processor")
        func unsampled() throws {
            let recorder = try recorder(.alwaysOff)
            let span = recorder.startSpan("dropped", context: .topLevel)
            span.attributes["key"] = "value"
            #expect(!span.isRecording)
            #expect(span.attributes.isEmpty)
            #expect(SpanRecorder.traceparent(of: span.context)?.hasSuffix("-00") == true)
            span.end()
            #expect(capture.spans.isEmpty)
        }

        @Test("with export disabled there is no batch processor; an enabled one has it")
        func exportSwitch() throws {
            #expect(try SpanRecorder(configuration: .defaults).batchProcessor == nil)
            let exporter = InMemoryExporter()
            let recorder = try SpanRecorder(configuration: .testing(), exporter: exporter)
            let processor = try #require(recorder.batchProcessor)
            recorder.startSpan("queued", context: .topLevel).end()
            #expect(processor.queuedCount == 1)
        }

        @Test("an invalid configuration is rejected with its key")
        func invalidConfiguration() {
            var configuration = TracingConfiguration.testing()
            configuration.sampler = .traceIDRatio(2)
            #expect(throws: TracingConfigurationError.self) { try SpanRecorder(configuration: configuration) }
            configuration = .testing(endpoint: "ftp://collector")
            do {
                _ = try SpanRecorder(configuration: configuration)
                Issue.record("expected an error")
            } catch {
                #expect(error.key == "tracing.endpoint")
            }
        }
    }
}
