/// One answer, independent of the protocol it is sent in: text, or a tool call.
struct SimulatedCompletion: Sendable {
    /// The model answering.
    var model: SimulatedModel
    /// Words in the prompt.
    var promptTokens: Int
    /// The answer's words; empty for a tool call.
    var words: [String]
    /// The tool called instead of a text answer (``SimulatorBehavior/callsTools``).
    var toolCall: SimulatedToolCall?
    /// `stop`, `length` when the token cap cut the answer, `tool_calls` for a tool call.
    var finishReason: String

    /// Builds the answer to a prompt.
    ///
    /// - Parameters:
    ///   - model: The model answering.
    ///   - prompt: The whole prompt text, every message included.
    ///   - maxTokens: The request's cap on generated tokens, if any (a tool call ignores it).
    ///   - toolCall: The tool call to answer with, if any.
    ///   - judges: Whether a judge prompt gets a verdict (off under ``SimulatorFaults/malformedJudge``).
    init(
        model: SimulatedModel,
        prompt: String,
        maxTokens: Int?,
        toolCall: SimulatedToolCall? = nil,
        judges: Bool = true
    ) {
        self.model = model
        self.promptTokens = AnswerGenerator.words(of: prompt).count
        self.toolCall = toolCall
        if toolCall != nil {
            words = []
            finishReason = "tool_calls"
            return
        }
        let full =
            (judges ? Self.verdict(prompt: prompt, seed: model.seed) : nil)
            ?? AnswerGenerator.answer(prompt: prompt, seed: model.seed, count: model.answerTokens)
        if let maxTokens, maxTokens >= 0, maxTokens < full.count {
            words = Array(full.prefix(maxTokens))
            finishReason = "length"
        } else {
            words = full
            finishReason = "stop"
        }
    }

    /// The verdict a judge prompt asks for (`{"choice": i, "reason": …}`, as llm-pool's JUDGE
    /// template asks), as words; `nil` for any other prompt. The choice is deterministic: the
    /// prompt's fingerprint with the model's seed, modulo the candidates (`[0]`, `[1]`, … lines).
    static func verdict(prompt: String, seed: UInt64) -> [String]? {
        guard prompt.contains("\"choice\"") else { return nil }
        let candidates = prompt.split(separator: "\n").filter { line in
            line.first == "[" && line.last == "]" && line.dropFirst().dropLast().allSatisfy(\.isNumber)
                && line.count > 2
        }.count
        guard candidates > 0 else { return nil }
        let choice = Int(AnswerGenerator.fingerprint(of: prompt, seed: seed) % UInt64(candidates))
        let text = #"{"choice": \#(choice), "reason": "candidate \#(choice) answers the request most directly."}"#
        return text.split(separator: " ").map(String.init)
    }

    /// The whole answer text: the words joined by single spaces.
    var text: String { words.joined(separator: " ") }

    /// The tokens generated: the answer's words, or the tool call's.
    var completionTokens: Int { toolCall?.tokens ?? words.count }

    /// The pieces a text stream sends, in order; concatenated they equal ``text``.
    var pieces: [String] { words.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element } }
}
