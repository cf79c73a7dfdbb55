import Foundation
import LLMPoolCore
import Testing

/// The configuration keys of provider calls: `idle_timeout_ms`, `upstream_streaming` and a task's
/// `context_window_fallback`.
@Suite("Configuration of provider calls")
struct CallConfigurationTests {
    static let text = """
        [[providers]]
        name = "a"
        kind = "ollama"
        base_url = "http://127.0.0.1:11434"
        model = "phi3:mini"

        [[providers]]
        name = "b"
        kind = "openai"
        base_url = "http://127.0.0.1:8000/v1"
        model = "llama"

        [[providers]]
        name = "big"
        kind = "openai"
        base_url = "http://127.0.0.1:8001/v1"
        model = "llama-128k"
        idle_timeout_ms = 2500
        upstream_streaming = false

        [tasks.t]
        providers = ["a", "b"]
        prompt = "p.md"
        context_window_fallback = ["big"]
        """

    static func parse(_ text: String) throws -> PoolConfiguration {
        try ConfigurationLoader.parse(text, prompts: { _ in "{{input}}" })
    }

    @Test("defaults by kind, explicit values, and the fallback list")
    func decodes() throws {
        let config = try Self.parse(Self.text)
        #expect(config.providers.map(\.upstreamStreaming) == [false, true, false])
        #expect(config.providers.map(\.idleTimeout) == [.seconds(10), .seconds(10), .milliseconds(2500)])
        #expect(config.tasks["t"]?.contextWindowFallback == ["big"])
    }

    @Test(
        "bad values name their key",
        arguments: [
            ("idle_timeout_ms = 2500", "idle_timeout_ms = 0", "providers[2].idle_timeout_ms", "must be >= 1"),
            (
                "upstream_streaming = false", "upstream_streaming = \"no\"", "providers[2].upstream_streaming",
                "must be true or false"
            ),
            (
                "context_window_fallback = [\"big\"]", "context_window_fallback = [\"huge\"]",
                "tasks.t.context_window_fallback[0]", "unknown provider 'huge'"
            ),
            (
                "context_window_fallback = [\"big\"]", "context_window_fallback = [\"b\"]",
                "tasks.t.context_window_fallback[0]", "already serves the task"
            ),
        ]
    )
    func rejects(replace: String, with: String, keyPath: String, message: String) throws {
        let text = Self.text.replacingOccurrences(of: replace, with: with)
        #expect(text != Self.text)
        let error = try #require(throws: ConfigurationError.self) { try Self.parse(text) }
        let issue = try #require(error.issues.first { $0.keyPath == keyPath }, "issues: \(error.issues)")
        #expect(issue.message.contains(message), "\(issue)")
    }
}
