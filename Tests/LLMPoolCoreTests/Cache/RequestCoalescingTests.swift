import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Testing

@Suite("Coalescing identical in-flight requests", .timeLimit(.minutes(1)))
struct RequestCoalescingTests {
    static func orchestrator(_ provider: ScriptedProvider) throws -> (Orchestrator, PoolTelemetry) {
        var config = PoolConfiguration()
        config.providers = [
            ProviderConfiguration(
                name: provider.name,
                kind: .ollama,
                baseURL: "http://127.0.0.1:1",
                model: provider.model
            )
        ]
        config.tasks["t"] = TaskConfiguration(
            name: "t",
            providers: [provider.name],
            promptPath: "t.md",
            template: try PromptTemplate(source: "{{input}}"),
            temperature: 0
        )
        let telemetry = PoolTelemetry.makeStandalone()
        let orchestrator = Orchestrator(
            configuration: config,
            providers: [provider],
            cache: InMemoryAnswerCache(configuration: config.cache),
            telemetry: telemetry
        )
        return (orchestrator, telemetry)
    }

    @Test("ten identical requests make one upstream call and all get the answer")
    func coalesces() async throws {
        let provider = ScriptedProvider(name: "p", behaviour: .answer("shared answer", delay: .milliseconds(200)))
        let (orchestrator, telemetry) = try Self.orchestrator(provider)
        let answers = try await withThrowingTaskGroup(of: InferenceAnswer.self) { group in
            for index in 0..<10 {
                group.addTask {
                    try await orchestrator.infer(
                        InferenceRequest(requestID: "r\(index)", task: "t", input: "same question")
                    )
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(provider.calls == 1)
        #expect(answers.count == 10)
        #expect(Set(answers.map(\.text)) == ["shared answer"])
        #expect(Set(answers.map(\.requestID)) == Set((0..<10).map { "r\($0)" }), "each caller keeps its own request id")
        #expect(telemetry.metrics.cacheRequests.labels("memory", "coalesced").value == 9)
        // Once answered, the next identical request is a cache hit, not a new call.
        let again = try await orchestrator.infer(
            InferenceRequest(requestID: "later", task: "t", input: "same question")
        )
        #expect(again.cached)
        #expect(provider.calls == 1)
    }

    @Test("a caller that gives up does not fail the others waiting on the same call")
    func cancellationOfOneWaiter() async throws {
        let provider = ScriptedProvider(name: "p", behaviour: .answer("survives", delay: .milliseconds(300)))
        let (orchestrator, _) = try Self.orchestrator(provider)
        let first = Task { try await orchestrator.infer(InferenceRequest(requestID: "a", task: "t", input: "q")) }
        try await Task.sleep(for: .milliseconds(50))
        let second = Task { try await orchestrator.infer(InferenceRequest(requestID: "b", task: "t", input: "q")) }
        try await Task.sleep(for: .milliseconds(50))
        first.cancel()
        let answer = try await second.value
        #expect(answer.text == "survives")
        #expect(provider.calls == 1)
        #expect(provider.cancellations == 0)
    }

    @Test("different inputs are not coalesced")
    func distinctKeys() async throws {
        let provider = ScriptedProvider(name: "p", behaviour: .answer("x", delay: .milliseconds(50)))
        let (orchestrator, _) = try Self.orchestrator(provider)
        async let a = orchestrator.infer(InferenceRequest(requestID: "a", task: "t", input: "one"))
        async let b = orchestrator.infer(InferenceRequest(requestID: "b", task: "t", input: "two"))
        _ = try await (a, b)
        #expect(provider.calls == 2)
    }
}
