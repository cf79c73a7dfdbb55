import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Testing
import Tracing

@Suite("InstrumentedProvider: streams measured and traced", .timeLimit(.minutes(1)))
struct InstrumentedProviderTests {
    static let request = ProviderRequest(
        messages: [.user("q")],
        maxTokens: 8,
        temperature: 0,
        timeout: .seconds(5),
        task: "t"
    )

    @Test("a stream records its time to first token, its span event and a success")
    func streamRecorded() async throws {
        let spans = CapturedSpans()
        let telemetry = spans.telemetry()
        let provider = InstrumentedProvider(
            ScriptedProvider(name: "a", behaviour: .answer("one two", delay: .zero)),
            telemetry: telemetry
        )
        let log = ProviderTestSupport.Deltas()
        let response = try await provider.stream(Self.request) { log.append($0) }
        #expect(response.text == "one two")
        #expect(log.all == ["one", " two"])
        let metrics = telemetry.metrics
        #expect(metrics.providerTimeToFirstToken.labels("a", "a-model").count(window: .seconds(60)) == 1)
        #expect(metrics.providerRequests.labels("a", "a-model", "success").value == 1)
        #expect(metrics.providerInflight.labels("a").value == 0)
        let span = try #require(spans.all.first { $0.name == "chat a-model" })
        #expect(span.events.map(\.name) == ["first token"])
        #expect(span.attributes.get("gen_ai.usage.output_tokens") == .int64(2))
    }

    @Test("a consumer that throws is a cancelled call, not a provider error, and its error comes back")
    func consumerGoneIsCancelled() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let provider = InstrumentedProvider(
            ScriptedProvider(name: "a", behaviour: .answer("one two", delay: .zero)),
            telemetry: telemetry
        )
        await #expect(throws: ClientGone.self) {
            try await provider.stream(Self.request) { _ in throw ClientGone() }
        }
        let metrics = telemetry.metrics
        #expect(metrics.providerRequests.labels("a", "a-model", "cancelled").value == 1)
        #expect(metrics.providerRequests.labels("a", "a-model", "error").value == 0)
        #expect(metrics.providerInflight.labels("a").value == 0)
    }

    @Test("a provider failure is an error, with no time to first token")
    func failureRecorded() async throws {
        let telemetry = PoolTelemetry.makeStandalone()
        let provider = InstrumentedProvider(
            ScriptedProvider(
                name: "a",
                behaviour: .fail(PoolError(code: .upstreamFailed, message: "HTTP 500"), delay: .zero)
            ),
            telemetry: telemetry
        )
        await #expect(throws: PoolError.self) { try await provider.stream(Self.request) { _ in } }
        let metrics = telemetry.metrics
        #expect(metrics.providerRequests.labels("a", "a-model", "error").value == 1)
        #expect(metrics.providerTimeToFirstToken.labels("a", "a-model").count(window: .seconds(60)) == 0)
    }
}
