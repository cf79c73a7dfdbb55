import LLMPoolObservability

/// Checks a request against the configured limits, with errors that say what to change.
struct RequestValidator {
    let configuration: PoolConfiguration

    func validate(_ request: InferenceRequest) throws {
        let qos = configuration.qos
        if request.directMessages == nil {
            guard configuration.tasks[request.task] != nil else {
                if request.task.isEmpty {
                    throw PoolError.invalidArgument("task is required; configured tasks: \(knownTasks)")
                }
                throw PoolError.notFound("unknown task '\(request.task)'; configured tasks: \(knownTasks)")
            }
        }
        let input = request.directMessages.map { $0.map(\.content).joined() } ?? request.input
        // Messages without text may still say something: an image, a tool call.
        let saysMore = request.directMessages?.contains { $0.parts != nil || !$0.toolCalls.isEmpty } ?? false
        if input.allSatisfy(\.isWhitespace), !saysMore {
            throw PoolError.invalidArgument(
                request.directMessages == nil ? "input must not be empty" : "messages must contain some text"
            )
        }
        let bytes = input.utf8.count
        if bytes > qos.maxPromptBytes {
            throw PoolError(
                code: .payloadTooLarge,
                message: "input is \(bytes) bytes; the limit is \(qos.maxPromptBytes) (qos.max_prompt_bytes)"
            )
        }
        if let maxTokens = request.maxTokens, !(1...qos.maxTokens).contains(maxTokens) {
            throw PoolError.invalidArgument("max_tokens must be between 1 and \(qos.maxTokens), got \(maxTokens)")
        }
        if let temperature = request.temperature, !(0...2).contains(temperature) || temperature.isNaN {
            throw PoolError.invalidArgument("temperature must be between 0 and 2, got \(temperature)")
        }
        if let deadline = request.deadline {
            if deadline <= .zero {
                throw PoolError.invalidArgument("deadline_ms must be > 0")
            }
            if deadline > qos.maxDeadline {
                throw PoolError.invalidArgument(
                    "deadline_ms must be at most \(qos.maxDeadline.milliseconds) (qos.max_deadline_ms), got \(deadline.milliseconds)"
                )
            }
        }
    }

    private var knownTasks: String { configuration.tasks.keys.sorted().joined(separator: ", ") }
}
