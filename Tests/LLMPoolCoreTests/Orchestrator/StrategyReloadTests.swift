import LLMPoolCore
import LLMPoolTesting
import Testing

@Suite("Strategies follow a replaced configuration")
struct StrategyReloadTests {
    static func configuration(judge: String) throws -> PoolConfiguration {
        var config = PoolConfiguration()
        config.providers = ["x", "y", "j1", "j2"].map {
            ProviderConfiguration(name: $0, kind: .ollama, baseURL: "http://127.0.0.1:1", model: $0)
        }
        config.tasks["t"] = TaskConfiguration(
            name: "t",
            strategy: .judge,
            providers: ["x", "y"],
            promptPath: "t.md",
            template: try PromptTemplate(source: "{{input}}")
        )
        config.tasks["judge"] = TaskConfiguration(
            name: "judge",
            strategy: .fastest,
            providers: [judge],
            promptPath: "judge.md",
            template: try PromptTemplate(source: "Pick one of:\n{{input}}")
        )
        config.cache.enabled = false
        return config
    }

    @Test("after a reload names another judge, JUDGE asks the new one")
    func judgeFollowsReload() async throws {
        let verdict = #"{"choice": 1, "reason": "more specific"}"#
        let providers = [
            ScriptedProvider(name: "x", behaviour: .answer("first candidate", delay: .zero)),
            ScriptedProvider(name: "y", behaviour: .answer("second candidate", delay: .zero)),
            ScriptedProvider(name: "j1", behaviour: .answer(verdict, delay: .zero)),
            ScriptedProvider(name: "j2", behaviour: .answer(verdict, delay: .zero)),
        ]
        let orchestrator = Orchestrator(configuration: try Self.configuration(judge: "j1"), providers: providers)
        _ = try await orchestrator.infer(InferenceRequest(requestID: "1", task: "t", input: "q"))
        #expect(providers[2].calls == 1)
        #expect(providers[3].calls == 0)

        orchestrator.replace(PoolSnapshot(configuration: try Self.configuration(judge: "j2"), providers: providers))
        let answer = try await orchestrator.infer(InferenceRequest(requestID: "2", task: "t", input: "q"))
        #expect(providers[2].calls == 1, "the old judge is no longer asked")
        #expect(providers[3].calls == 1)
        #expect(answer.decision.strategy == .judge)
    }
}
