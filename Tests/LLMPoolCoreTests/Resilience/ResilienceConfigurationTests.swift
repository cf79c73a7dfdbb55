import Foundation
import LLMPoolCore
import Testing

@Suite("[qos.retry] and [qos.weighted] configuration")
struct ResilienceConfigurationTests {
    static func parse(_ qos: String) throws -> PoolConfiguration {
        let text = """
            [[providers]]
            name = "a"
            base_url = "http://127.0.0.1:11434"
            model = "m"

            [tasks.t]
            providers = ["a"]
            prompt = "p.md"

            \(qos)
            """
        return try ConfigurationLoader.parse(text, prompts: { _ in "{{input}}" })
    }

    @Test("both tables decode, with defaults for what is left out")
    func decodes() throws {
        let config = try Self.parse(
            """
            [qos.retry]
            enabled = false
            budget_ratio = 0.3
            min_retries_per_second = 2
            max_attempts = 4

            [qos.weighted]
            selection = "pick"
            latency_quantile = 0.95
            window_ms = 30000
            """
        )
        #expect(
            config.qos.retry
                == RetryConfiguration(enabled: false, budgetRatio: 0.3, minRetriesPerSecond: 2, maxAttempts: 4)
        )
        #expect(config.qos.weighted.selection == .pick)
        #expect(config.qos.weighted.latencyQuantile == 0.95)
        #expect(config.qos.weighted.window == .seconds(30))
        #expect(config.qos.weighted.minSamples == WeightedConfiguration.defaults.minSamples)
        #expect(try Self.parse("").qos.retry == .defaults)
    }

    @Test("bad values name their key")
    func errors() {
        #expect(throws: ConfigurationError.self) { try Self.parse("[qos.retry]\nbudget_ratio = 2") }
        do {
            _ = try Self.parse("[qos.weighted]\nselection = \"best\"\nwhat = 1")
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("qos.weighted.selection"), "\(text)")
            #expect(text.contains("qos.weighted.what"), "\(text)")
        }
    }

    @Test("the shipped llm-pool.toml decodes its [qos] tables")
    func shippedFile() throws {
        let config = try ConfigurationLoader.load(
            path: #filePath.replacingOccurrences(
                of: "Tests/LLMPoolCoreTests/Resilience/ResilienceConfigurationTests.swift",
                with: "llm-pool.toml"
            )
        )
        #expect(config.qos.retry == .defaults)
        #expect(config.qos.weighted == .defaults)
    }
}
