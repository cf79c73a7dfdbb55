import LLMPoolCore
import LLMPoolObservability
import LLMPoolProto
import SwiftProtobuf

extension Vvtv_Llmpool_V1_Strategy {
    /// The domain strategy, `nil` when unspecified.
    var domain: StrategyKind? {
        switch self {
        case .fastest: return .fastest
        case .voting: return .voting
        case .weighted: return .weighted
        case .consensus: return .consensus
        case .judge: return .judge
        default: return nil
        }
    }

    init(_ kind: StrategyKind) {
        switch kind {
        case .fastest: self = .fastest
        case .voting: self = .voting
        case .weighted: self = .weighted
        case .consensus: self = .consensus
        case .judge: self = .judge
        }
    }
}

extension Vvtv_Llmpool_V1_Query {
    /// The domain request. The front door's request id wins over an empty `request_id`.
    func inferenceRequest(requestID fallback: String, api: RequestAPI = .http) throws -> InferenceRequest {
        if case .UNRECOGNIZED(let value) = strategy {
            throw PoolError(code: .invalidArgument, message: "unknown strategy \(value)")
        }
        return InferenceRequest(
            requestID: requestID.isEmpty ? fallback : requestID,
            task: task,
            input: input,
            strategy: strategy.domain,
            maxTokens: hasMaxTokens ? Int(maxTokens) : nil,
            temperature: hasTemperature ? temperature : nil,
            deadline: deadlineMs > 0 ? .milliseconds(Int64(deadlineMs)) : nil,
            tenant: tenant.isEmpty ? nil : tenant,
            metadata: metadata,
            api: api
        )
    }
}

extension Vvtv_Llmpool_V1_Answer {
    /// The wire form of an answer.
    init(_ answer: InferenceAnswer) {
        self.init()
        requestID = answer.requestID
        text = answer.text
        model = answer.model
        provider = answer.provider
        strategy = .init(answer.strategy)
        usage = .with {
            $0.inputTokens = UInt32(clamping: answer.usage.inputTokens)
            $0.outputTokens = UInt32(clamping: answer.usage.outputTokens)
        }
        cached = answer.cached
        latencyMs = answer.latency.fractionalMilliseconds
        decision = .init(answer.decision)
        finishReason = answer.finishReason
    }
}

extension Vvtv_Llmpool_V1_EnsembleDecision {
    /// The wire form of a decision.
    init(_ decision: EnsembleDecision) {
        self.init()
        strategy = .init(decision.strategy)
        winner = decision.winner
        reason = decision.reason
        hedgesFired = UInt32(clamping: decision.hedgesFired)
        candidates = decision.candidates.map { candidate in
            .with {
                $0.provider = candidate.provider
                $0.model = candidate.model
                $0.latencyMs = candidate.latency.fractionalMilliseconds
                $0.outcome = .init(candidate.outcome)
                $0.error = candidate.error ?? ""
            }
        }
    }
}

extension Vvtv_Llmpool_V1_CandidateOutcome {
    init(_ outcome: EnsembleDecision.Outcome) {
        switch outcome {
        case .won: self = .won
        case .lost: self = .lost
        case .cancelled: self = .cancelled
        case .failed: self = .failed
        case .timedOut: self = .timedOut
        case .skipped: self = .skipped
        }
    }
}

extension Vvtv_Llmpool_V1_AnswerChunk {
    /// The wire form of a stream event; `nil` for a piece without text (the native API and gRPC
    /// carry text only: tool-call fragments and logprobs are for the OpenAI door).
    init?(_ event: AnswerStreamEvent) {
        self.init()
        switch event {
        case .started(let provider, let model):
            started = .with {
                $0.provider = provider
                $0.model = model
            }
        case .delta(let text):
            delta = text
        case .fragment(let piece):
            guard !piece.text.isEmpty else { return nil }
            delta = piece.text
        case .completed(let answer):
            final = .init(answer)
        }
    }
}
