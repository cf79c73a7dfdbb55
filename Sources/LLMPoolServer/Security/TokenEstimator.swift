import LLMPoolCore

/// Estimates a request's tokens before it runs, so the token budget can be charged up front and
/// corrected with the real usage afterwards (``RateLimiter/adjust(tenant:tokenDelta:limit:)``).
public struct TokenEstimator: Sendable {
    /// The tasks of the configuration (shared storage: building an estimator copies nothing).
    private let tasks: [String: TaskConfiguration]
    private let directMaxTokens: Int

    /// The estimate: prompt bytes / 4 (about four bytes per token in English text) plus the most
    /// tokens the answer may use.
    public static func estimate(promptBytes: Int, maxTokens: Int) -> Int {
        max(0, promptBytes) / 4 + max(0, maxTokens)
    }

    /// Creates an estimator that fills a missing `max_tokens` as the orchestrator does: the
    /// task's default, or for a model named directly `min(1024, qos.max_tokens)`.
    public init(configuration: PoolConfiguration) {
        self.tasks = configuration.tasks
        self.directMaxTokens = min(1024, configuration.qos.maxTokens)
    }

    /// The estimate for a request of `task` (`nil` for a model named directly) with
    /// `promptBytes` of input and the `max_tokens` it asked for, if any.
    public func estimate(task: String?, promptBytes: Int, requestedMaxTokens: Int?) -> Int {
        let maxTokens = requestedMaxTokens ?? task.flatMap { tasks[$0]?.maxTokens } ?? directMaxTokens
        return Self.estimate(promptBytes: promptBytes, maxTokens: maxTokens)
    }
}

extension TokenEstimator {
    /// The estimate for a decoded request: its input (or, for a model named directly, its
    /// messages) and the `max_tokens` it asked for.
    public func estimate(_ request: InferenceRequest) -> Int {
        if let messages = request.directMessages {
            let bytes = messages.reduce(0) { $0 + $1.content.utf8.count }
            return estimate(task: nil, promptBytes: bytes, requestedMaxTokens: request.maxTokens)
        }
        return estimate(
            task: request.task,
            promptBytes: request.input.utf8.count,
            requestedMaxTokens: request.maxTokens
        )
    }
}
