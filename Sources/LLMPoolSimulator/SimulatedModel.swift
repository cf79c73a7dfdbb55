/// One model served by the ``ProviderSimulator``: its name, how fast it answers and what it says.
///
/// Answers are deterministic: the same prompt sent to two models with the same ``seed`` gets the
/// same answer, and models with different seeds (almost surely) answer differently, so tests can
/// make an ensemble agree or disagree at will. The temperature of a request is ignored.
///
/// A prompt's token count is its number of whitespace-separated words, counted over every message
/// (chat) or over `system` and `prompt` (Ollama generate). The answer's token count is its number of
/// words.
public struct SimulatedModel: Sendable, Hashable {
    /// The model name as clients send it (`phi3:mini`).
    public var name: String
    /// Median total latency of a non-streamed answer.
    public var p50: Duration
    /// 99th-percentile total latency of a non-streamed answer. Latencies follow the log-normal
    /// distribution whose median is ``p50`` and whose 99th percentile is this value.
    public var p99: Duration
    /// Delay before the first token of a streamed answer.
    public var timeToFirstToken: Duration
    /// Delay between two tokens of a streamed answer.
    public var perTokenDelay: Duration
    /// The seed mixed into every answer; equal seeds give equal answers to equal prompts.
    public var seed: UInt64
    /// The number of words of a full answer, before `max_tokens` / `num_predict` caps it.
    public var answerTokens: Int

    /// Creates a model. The defaults are a fast model suitable for unit tests (a few milliseconds).
    ///
    /// - Parameters:
    ///   - name: The model name.
    ///   - p50: Median latency of a non-streamed answer. Default 5 ms.
    ///   - p99: 99th-percentile latency of a non-streamed answer. Default 10 ms.
    ///   - timeToFirstToken: Delay before the first streamed token. Default 2 ms.
    ///   - perTokenDelay: Delay between streamed tokens. Default 1 ms.
    ///   - seed: Answer seed. Default 0.
    ///   - answerTokens: Words in a full answer. Default 12.
    public init(
        name: String,
        p50: Duration = .milliseconds(5),
        p99: Duration = .milliseconds(10),
        timeToFirstToken: Duration = .milliseconds(2),
        perTokenDelay: Duration = .milliseconds(1),
        seed: UInt64 = 0,
        answerTokens: Int = 12
    ) {
        self.name = name
        self.p50 = p50
        self.p99 = p99
        self.timeToFirstToken = timeToFirstToken
        self.perTokenDelay = perTokenDelay
        self.seed = seed
        self.answerTokens = answerTokens
    }

    /// A model that answers with no added latency at all, for benchmarks of the code in front of it.
    public static func instant(name: String, seed: UInt64 = 0, answerTokens: Int = 12) -> SimulatedModel {
        .init(
            name: name,
            p50: .zero,
            p99: .zero,
            timeToFirstToken: .zero,
            perTokenDelay: .zero,
            seed: seed,
            answerTokens: answerTokens
        )
    }
}
