import Foundation

/// JUDGE: gather every provider's answer, render the judge prompt (`prompts/judge.md`, the
/// `judge` task's template) with the request and the numbered candidates, ask the judge model,
/// and parse its structured choice `{"choice": <index>, "reason": "..."}`.
///
/// Malformed or out-of-range judge output, or a failed judge call, falls back to VOTING over the
/// gathered candidates (no further calls); the decision's reason says so.
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
        let providers = context.providers
        guard !providers.isEmpty else { throw PoolError.allFailed([], task: context.taskName) }
        let outcome = await Gather.run(context, providers: providers) { _ in false }
        let answers: [(index: Int, response: ProviderResponse)] = outcome.finished.sorted { $0.index < $1.index }.compactMap {
            if case .success(let response) = $0.result { ($0.index, response) } else { nil }
        }
        guard !answers.isEmpty else {
            let errors = outcome.finished.compactMap { if case .failure(let e) = $0.result { e } else { nil } }
            throw PoolError.allFailed(errors, task: context.taskName)
        }
        if answers.count == 1 {
            return try VotingStrategy.decide(outcome, context: context, strategy: .judge, note: "one candidate answered; no judging needed")
        }
        let judge = self.judge ?? providers[0]
        var values = variables
        values["task"] = context.taskName
        values["input"] = Self.judgeInput(request: context.request, candidates: answers.map(\.response.text))
        var request = context.requestWithRemainingTime()
        request.messages = [.user(template.render(values))]
        request.temperature = 0
        request.maxTokens = 256
        let verdictText: String
        do {
            verdictText = try await judge.complete(request).text
        } catch {
            let reason = "judge \(judge.name) failed (\(PoolError.wrap(error, provider: judge.name).message)); fell back to VOTING"
            return try VotingStrategy.decide(outcome, context: context, strategy: .judge, note: reason)
        }
        guard let verdict = Self.parse(verdictText), answers.indices.contains(verdict.choice) else {
            return try VotingStrategy.decide(outcome, context: context, strategy: .judge, note: "judge output malformed or out of range; fell back to VOTING")
        }
        let chosen = answers[verdict.choice]
        let decision = EnsembleDecision(
            strategy: .judge,
            candidates: Gather.candidates(outcome, providers: providers, winner: chosen.index, clock: context.clock),
            winner: providers[chosen.index].name,
            reason: "judge \(judge.name) chose candidate \(verdict.choice): \(verdict.reason ?? "no reason given")"
        )
        return StrategyResult(response: chosen.response, provider: providers[chosen.index], decision: decision)
    }

    static func judgeInput(request: ProviderRequest, candidates: [String]) -> String {
        let asked = request.messages.last { $0.role == "user" }?.content ?? ""
        var text = "Request:\n\(asked)\n\nCandidates:\n"
        for (index, candidate) in candidates.enumerated() {
            text += "\n[\(index)]\n\(candidate)\n"
        }
        return text
    }

    /// Extracts the first JSON object of the judge's text and decodes the verdict.
    static func parse(_ text: String) -> Verdict? {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else { return nil }
        return try? JSONDecoder().decode(Verdict.self, from: Data(text[open...close].utf8))
    }
}
