/// The ensemble strategies a task or a request can choose.
///
/// The raw values are the names the JSON API accepts and shows, matching the `Strategy` enum of
/// `proto/vvtv/llmpool/v1/llmpool.proto`.
public enum StrategyKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Race the task's providers; the first success wins and the rest are cancelled.
    case fastest = "FASTEST"
    /// Ask several providers and take the majority answer.
    case voting = "VOTING"
    /// Pick a provider by a score built from measured latency, success and weight.
    case weighted = "WEIGHTED"
    /// Require the answers to agree.
    case consensus = "CONSENSUS"
    /// Let a judge model choose among candidates.
    case judge = "JUDGE"

    /// Parses a strategy name case-insensitively (`fastest`, `FASTEST`).
    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }
}
