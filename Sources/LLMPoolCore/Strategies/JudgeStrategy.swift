import Foundation
import Tracing

/// JUDGE: gather every provider's answer, render the judge prompt (`prompts/judge.md`, the
/// `judge` task's template) with the request and the numbered candidates, ask the judge model,
/// and parse its structured choice `{"choice": <index>, "reason": "..."}`.
///
/// Malformed or out-of-range judge output, or a failed judge call, falls back to VOTING over the
/// gathered candidates (no further calls); the decision's reason says so, and the fallback is
/// counted as `llm_pool_strategy_decisions_total{strategy="JUDGE",outcome="judge_fallback"}` and
/// recorded as a `judge fallback` span event.
public struct JudgeStrategy: EnsembleStrategy {
    public var kind: StrategyKind { .judge }
    /// The model that judges; `nil` uses the first provider of the request.
    public var judge: (any Provider)?
    /// The judge prompt; `{{input}}` receives the request and the candidates.
    public var template: PromptTemplate
    /// Values for the template's other placeholders (such as `criteria`).
    public var variables: [String: String]

    /// Creates the strategy.
    public init(judge: (any Provider)?, template: PromptTemplate, variables: [String: String] = [:]) {
        self.judge = judge
        self.template = template
        self.variables = variables
    }

    /// The parsed judge verdict.
    struct Verdict: Decodable {
        var choice: Int
        var reason: String?
    }

    public func run(_ context: StrategyContext) async throws -> StrategyResult {
        try await context.recordingDecision(kind) { try await judgeCandidates(context) }
    }

    private func judgeCandidates(_ context: StrategyContext) async throws -> StrategyResult {
        let providers = context.providers
        guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
        let outcome = await Gather.run(context, providers: providers) { _ in false }
        let answers: [(index: Int, response: ProviderResponse)] = outcome.finished.sorted { $0.index < $1.index }
            .compactMap {
                if case .success(let response) = $0.result { ($0.index, response) } else { nil }
            }
        guard !answers.isEmpty else { throw PoolError.allFailed(outcome.errors, task: context.taskName) }
        if answers.count == 1 {
            return try VotingStrategy.decide(
                outcome,
                context: context,
                strategy: .judge,
                note: "one candidate answered; no judging needed",
                as: .ok
            )
        }
        let judge = self.judge ?? providers[0]
        var values = variables
        values["task"] = context.taskName
        values["input"] = Self.judgeInput(request: context.request, candidates: answers.map(\.response))
        var request = context.requestWithRemainingTime()
        request.messages = [.user(template.render(values))]
        // The judge answers in its own format: the request's tools and response format are not its.
        request.options = [:]
        request.temperature = 0
        request.maxTokens = 256
        // The judge's latency is a judging workload, measured apart from the task's answers.
        request.task = "judge"
        let verdict = await ProviderCall.complete(judge, index: 0, context: context, request: request)
        let verdictText: String
        switch verdict.result {
        case .success(let response):
            verdictText = response.text
        case .failure(let error):
            return try fallBack(outcome, context: context, because: "judge \(judge.name) failed (\(error.message))")
        }
        guard let parsed = Self.parse(verdictText) else {
            return try fallBack(outcome, context: context, because: "judge output malformed")
        }
        guard answers.indices.contains(parsed.choice) else {
            return try fallBack(
                outcome,
                context: context,
                because: "judge chose \(parsed.choice), out of range 0..<\(answers.count)"
            )
        }
        let chosen = answers[parsed.choice]
        let decision = EnsembleDecision(
            strategy: .judge,
            candidates: Gather.candidates(outcome, providers: providers, winner: chosen.index),
            winner: providers[chosen.index].name,
            reason: "judge \(judge.name) chose candidate \(parsed.choice): \(parsed.reason ?? "no reason given")"
        )
        context.event(
            "judge chose",
            ["llm_pool.judge": .string(judge.name), "llm_pool.judge.choice": .int64(Int64(parsed.choice))]
        )
        return StrategyResult(response: chosen.response, provider: providers[chosen.index], decision: decision)
    }

    /// VOTING over the gathered candidates (no further calls), counted as `judge_fallback`.
    private func fallBack(_ outcome: Gather.Outcome, context: StrategyContext, because reason: String) throws
        -> StrategyResult
    {
        context.event("judge fallback", ["llm_pool.judge.fallback_reason": .string(reason)])
        return try VotingStrategy.decide(
            outcome,
            context: context,
            strategy: .judge,
            note: "\(reason); fell back to VOTING",
            as: .judgeFallback
        )
    }

    /// The judge's input: the request, then each candidate's text and tool calls, numbered.
    static func judgeInput(request: ProviderRequest, candidates: [ProviderResponse]) -> String {
        let asked = request.messages.last { $0.role == "user" }?.content ?? ""
        var text = "Request:\n\(asked)\n\nCandidates:\n"
        for (index, candidate) in candidates.enumerated() {
            text += "\n[\(index)]\n\(candidate.text)\n"
            let calls = candidate.extras.toolCallSignature
            if !calls.isEmpty { text += "Tool calls: \(calls)\n" }
        }
        return text
    }

    /// Extracts the first JSON object of the judge's text and decodes the verdict.
    static func parse(_ text: String) -> Verdict? {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else { return nil }
        return try? JSONDecoder().decode(Verdict.self, from: Data(text[open...close].utf8))
    }
}
