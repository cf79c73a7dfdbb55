/// How the router reached an answer: which providers it asked, what each did, and why the winner
/// won. Returned with every answer and mirrored in metrics and spans.
public struct EnsembleDecision: Sendable, Hashable {
    /// What happened to one provider call.
    public enum Outcome: String, Sendable, Hashable {
        /// The call succeeded and its answer was chosen.
        case won
        /// The call succeeded but another answer was chosen.
        case lost
        /// The call was cancelled because another answer won first.
        case cancelled
        /// The call failed.
        case failed
        /// The call ran out of time.
        case timedOut = "timed_out"
        /// The call was not made (for example an open circuit breaker).
        case skipped
    }

    /// One provider asked while serving the request.
    public struct Candidate: Sendable, Hashable {
        /// The provider's configured name.
        public var provider: String
        /// The model the provider serves.
        public var model: String
        /// How long the call took until it finished, failed or was cancelled.
        public var latency: Duration
        /// What happened.
        public var outcome: Outcome
        /// The error message when the call failed.
        public var error: String?

        /// Creates a candidate record.
        public init(provider: String, model: String, latency: Duration, outcome: Outcome, error: String? = nil) {
            self.provider = provider
            self.model = model
            self.latency = latency
            self.outcome = outcome
            self.error = error
        }
    }

    /// The strategy that ran.
    public var strategy: StrategyKind
    /// Every provider asked, in the order they were asked.
    public var candidates: [Candidate]
    /// The winning provider's name, empty when none won.
    public var winner: String
    /// Why the winner won, in words.
    public var reason: String
    /// How many hedged requests were fired.
    public var hedgesFired: Int

    /// Creates a decision.
    public init(
        strategy: StrategyKind,
        candidates: [Candidate] = [],
        winner: String = "",
        reason: String = "",
        hedgesFired: Int = 0
    ) {
        self.strategy = strategy
        self.candidates = candidates
        self.winner = winner
        self.reason = reason
        self.hedgesFired = hedgesFired
    }
}
