/// Token counts for answers whose backend did not report them, so that every answer carries
/// usage: rate limits charge it, metrics count it and the cache never stores zeros.
///
/// - Input: the prompt's UTF-8 bytes (every message's content) / 4, rounded up — the same
///   four-bytes-a-token rule the rate limiter charges with before the call.
/// - Output: the number of content deltas of a stream (llama.cpp, vLLM and Ollama send one per
///   token), or, without deltas, the answer's UTF-8 bytes / 4, rounded up.
///
/// Counts the backend did report are kept; a record with any estimated count is marked
/// ``TokenUsage/estimated``.
public enum UsageEstimator {
    /// Bytes per token of the estimate.
    public static let bytesPerToken = 4

    /// The estimated tokens of `text`: its UTF-8 bytes / 4, rounded up.
    public static func tokens(in text: String) -> Int {
        (text.utf8.count + bytesPerToken - 1) / bytesPerToken
    }

    /// The estimated tokens of `bytes` bytes of text, rounded up.
    public static func tokens(bytes: Int) -> Int {
        (max(0, bytes) + bytesPerToken - 1) / bytesPerToken
    }

    /// The estimated prompt tokens of a conversation.
    public static func promptTokens(_ messages: [ChatMessage]) -> Int {
        let bytes = messages.reduce(0) { $0 + $1.content.utf8.count }
        return (bytes + bytesPerToken - 1) / bytesPerToken
    }

    /// The usage of an answer: what the backend reported, with what it left out (absent or 0
    /// where the answer says otherwise) estimated.
    ///
    /// - Parameters:
    ///   - reported: The backend's counts; `nil` fields are missing.
    ///   - messages: The prompt.
    ///   - text: The answer's text.
    ///   - deltas: The content deltas of a stream, `nil` for a whole answer.
    public static func usage(
        reportedInput: Int?,
        reportedOutput: Int?,
        messages: [ChatMessage],
        text: String,
        deltas: Int? = nil
    ) -> TokenUsage {
        var usage = TokenUsage()
        if let input = reportedInput, input > 0 {
            usage.inputTokens = input
        } else {
            usage.inputTokens = promptTokens(messages)
            usage.estimated = usage.inputTokens > 0
        }
        if let output = reportedOutput, output > 0 || text.isEmpty {
            usage.outputTokens = output
        } else if !text.isEmpty {
            if let deltas, deltas > 0 {
                usage.outputTokens = deltas
            } else {
                usage.outputTokens = tokens(in: text)
            }
            usage.estimated = true
        }
        return usage
    }
}
