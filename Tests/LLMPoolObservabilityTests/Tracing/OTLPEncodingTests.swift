import Foundation
import LLMPoolProto
import SwiftProtobuf
import Testing
import Tracing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("OTLP encoding")
    struct OTLPEncodingTests {
        typealias Request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest

        @Test("spans and resource survive a protobuf round trip")
        func roundTrip() throws {
            let capture = CapturingProcessor()
            var configuration = TracingConfiguration.testing()
            configuration.serviceVersion = "1.2.3"
            configuration.resourceAttributes = ["deployment.environment.name": "test"]
            let recorder = try SpanRecorder(
                configuration: configuration,
                exporter: InMemoryExporter(),
                processors: [capture]
            )

            var incoming = ServiceContext.topLevel
            incoming.spanContext = SpanContext(
                traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                tracestate: "rojo=1"
            )
            let server = recorder.startSpan(
                "POST /v1/infer",
                context: incoming,
                ofKind: .server,
                at: FixedInstant(nanosecondsSinceEpoch: 1_000)
            )
            let client = recorder.startSpan(
                "chat phi3:mini",
                context: server.context,
                ofKind: .client,
                at: FixedInstant(nanosecondsSinceEpoch: 2_000)
            )
            client.attributes["gen_ai.request.model"] = "phi3:mini"
            client.attributes["gen_ai.usage.input_tokens"] = 12
            client.attributes["gen_ai.request.temperature"] = 0.5
            client.attributes["llm_pool.hedged"] = true
            client.attributes["gen_ai.response.finish_reasons"] = ["stop"]
            client.addEvent(SpanEvent(name: "first token", at: FixedInstant(nanosecondsSinceEpoch: 2_500)))
            client.setStatus(SpanStatus(code: .error, message: "HTTP 503"))
            client.end(at: FixedInstant(nanosecondsSinceEpoch: 3_000))
            server.setStatus(SpanStatus(code: .ok))
            server.end(at: FixedInstant(nanosecondsSinceEpoch: 4_000))

            let encoder = OTLPTraceEncoder(configuration: configuration, instanceID: "instance-1")
            let request = try Request(serializedBytes: try encoder.encode(capture.spans))

            let resourceSpans = try #require(request.resourceSpans.first)
            let resource = Dictionary(
                uniqueKeysWithValues: resourceSpans.resource.attributes.map { ($0.key, $0.value.stringValue) }
            )
            #expect(resource["service.name"] == "llm-pool")
            #expect(resource["service.version"] == "1.2.3")
            #expect(resource["service.instance.id"] == "instance-1")
            #expect(resource["deployment.environment.name"] == "test")
            #expect(resourceSpans.scopeSpans.first?.scope.name == "llm-pool")
            #expect(resourceSpans.scopeSpans.first?.scope.version == "1.2.3")

            let spans = try #require(resourceSpans.scopeSpans.first?.spans)
            #expect(spans.map(\.name) == ["chat phi3:mini", "POST /v1/infer"])
            let (clientSpan, serverSpan) = (spans[0], spans[1])
            let traceID = Data(try #require(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")).bytes)
            #expect(clientSpan.traceID == traceID)
            #expect(serverSpan.traceID == traceID)
            #expect(clientSpan.spanID == Data(client.spanID.bytes))
            #expect(clientSpan.parentSpanID == serverSpan.spanID)
            #expect(serverSpan.parentSpanID == Data(try #require(SpanID(hex: "00f067aa0ba902b7")).bytes))
            #expect(serverSpan.traceState == "rojo=1")
            #expect(serverSpan.flags == 0x301)  // sampled, remote parent known and set
            #expect(clientSpan.flags == 0x101)
            #expect(clientSpan.kind == .client)
            #expect(serverSpan.kind == .server)
            #expect(clientSpan.startTimeUnixNano == 2_000)
            #expect(clientSpan.endTimeUnixNano == 3_000)
            #expect(clientSpan.status.code == .error)
            #expect(clientSpan.status.message == "HTTP 503")
            #expect(serverSpan.status.code == .ok)
            #expect(clientSpan.events.map(\.name) == ["first token"])
            #expect(clientSpan.events.first?.timeUnixNano == 2_500)

            let attributes = Dictionary(uniqueKeysWithValues: clientSpan.attributes.map { ($0.key, $0.value) })
            #expect(clientSpan.attributes.map(\.key) == clientSpan.attributes.map(\.key).sorted())
            #expect(attributes["gen_ai.request.model"]?.stringValue == "phi3:mini")
            #expect(attributes["gen_ai.usage.input_tokens"]?.intValue == 12)
            #expect(attributes["gen_ai.request.temperature"]?.doubleValue == 0.5)
            #expect(attributes["llm_pool.hedged"]?.boolValue == true)
            #expect(attributes["gen_ai.response.finish_reasons"]?.arrayValue.values.map(\.stringValue) == ["stop"])
        }

        @Test("an unset status stays unset; kinds map to OTLP")
        func kindsAndUnsetStatus() throws {
            let spans: [FinishedSpan] = [SpanKind.internal, .producer, .consumer].enumerated().map { index, kind in
                var span = FinishedSpan.fixture("span", index: UInt64(index + 1))
                span.kind = kind
                return span
            }
            let encoded = try OTLPTraceEncoder(configuration: .defaults).encode(spans)
            let decoded = try Request(serializedBytes: encoded).resourceSpans[0].scopeSpans[0].spans
            #expect(decoded.map(\.kind) == [.internal, .producer, .consumer])
            #expect(decoded.allSatisfy { !$0.hasStatus && $0.parentSpanID.isEmpty })
        }
    }
}
