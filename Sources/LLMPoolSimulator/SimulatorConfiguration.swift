/// How a ``ProviderSimulator`` listens and what it serves.
public struct SimulatorConfiguration: Sendable, Hashable {
    /// Address to bind. Default `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks a free port, read back with ``ProviderSimulator/waitUntilStarted()``. Default 0.
    public var port: Int
    /// The models served, each under both the Ollama and the OpenAI API.
    public var models: [SimulatedModel]
    /// When set, the OpenAI endpoints require `Authorization: Bearer <apiKey>` and answer 401
    /// otherwise. Ollama endpoints never check it, as Ollama has no authentication. Default `nil`.
    public var apiKey: String?
    /// Factor applied to every simulated delay (latency, time to first token, per-token delay and
    /// the extra latency of faults); 0 means no added latency at all. Default 1.
    public var latencyScale: Double
    /// Longest time a hanging or stalled request is held before the simulator gives up and closes
    /// the connection, so that nothing waits forever. Default 120 s.
    public var hangLimit: Duration

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        models: [SimulatedModel],
        apiKey: String? = nil,
        latencyScale: Double = 1,
        hangLimit: Duration = .seconds(120)
    ) {
        self.host = host
        self.port = port
        self.models = models
        self.apiKey = apiKey
        self.latencyScale = latencyScale
        self.hangLimit = hangLimit
    }

    /// The demo setup: the three ``demoModels()`` on `127.0.0.1:11434`, Ollama's usual port.
    public static var defaults: SimulatorConfiguration {
        .init(port: 11434, models: demoModels())
    }

    /// The three models of the demo, with distinct seeds so that they disagree:
    ///
    /// | model | p50 | p99 | first token | per token |
    /// | --- | --- | --- | --- | --- |
    /// | `phi3:mini` | 200 ms | 700 ms | 80 ms | 15 ms |
    /// | `llama3.1:8b` | 700 ms | 1200 ms | 250 ms | 35 ms |
    /// | `gemma2:9b` | 800 ms | 1300 ms | 300 ms | 40 ms |
    ///
    /// Scale them all with ``latencyScale``.
    public static func demoModels() -> [SimulatedModel] {
        func scaled(_ milliseconds: Int) -> Duration { .milliseconds(milliseconds) }
        return [
            SimulatedModel(
                name: "phi3:mini",
                p50: scaled(200),
                p99: scaled(700),
                timeToFirstToken: scaled(80),
                perTokenDelay: scaled(15),
                seed: 3,
                answerTokens: 16
            ),
            SimulatedModel(
                name: "llama3.1:8b",
                p50: scaled(700),
                p99: scaled(1200),
                timeToFirstToken: scaled(250),
                perTokenDelay: scaled(35),
                seed: 8,
                answerTokens: 24
            ),
            SimulatedModel(
                name: "gemma2:9b",
                p50: scaled(800),
                p99: scaled(1300),
                timeToFirstToken: scaled(300),
                perTokenDelay: scaled(40),
                seed: 9,
                answerTokens: 24
            ),
        ]
    }
}
