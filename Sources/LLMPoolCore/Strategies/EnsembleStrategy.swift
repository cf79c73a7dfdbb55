import LLMPoolObservability

/// Everything a strategy needs to serve one request.
public struct StrategyContext: Sendable {
    /// The task being served (for direct model requests, a synthetic task named after the model).
    public var taskName: String
    /// Whether answers are JSON, for strategies that compare answers.
    public var jsonOutput: Bool
    /// The providers that may serve the request, best first (those whose circuit breaker is open
    /// were removed and are in ``skipped``).
    public var providers: [any Provider]
    /// The request to send; its timeout is replaced by the remaining time at each call.
    public var request: ProviderRequest
    /// When the whole request must be answered.
    public var deadline: ContinuousClock.Instant
    /// When the request that started these calls must be answered: a call cut short after it
    /// ran out of time on its provider and counts as the provider's failure. Usually
    /// ``deadline``; a call shared by identical requests (coalesced) may run longer than the
    /// request that started it. Default ``deadline``.
    public var requestDeadline: ContinuousClock.Instant
    /// Hedging settings.
    public var hedging: HedgingConfiguration
    /// The delay before hedging away from a provider: the orchestrator passes
    /// ``HedgePolicy/delay(for:task:configuration:)`` (measured latency, static until enough samples).
    public var hedgeDelay: @Sendable (_ provider: any Provider) -> Duration
    /// The clock deadlines are measured on and hedge timers sleep on.
    public var clock: any PoolClock
    /// Metrics and tracer: strategies count hedges, retries and decisions here and open spans
    /// for hedges; the request's span is the current `ServiceContext`.
    public var telemetry: PoolTelemetry
    /// Circuit breakers, hedge and retry budgets and scores, shared by every request.
    public var resilience: Resilience
    /// Providers kept out of this request by their circuit breaker; listed in the decision as
    /// `skipped`.
    public var skipped: [Resilience.Rejection]
    /// Retry settings (`[qos.retry]`).
    public var retry: RetryConfiguration
    /// WEIGHTED settings (`[qos.weighted]`).
    public var weighted: WeightedConfiguration
    /// The span of the strategy step, where strategies record events (hedge fired, breaker
    /// rejected, judge fallback, …); `nil` records none.
    public var span: RecordedSpan?

    /// Creates a context.
    ///
    /// Without `resilience`, a fresh one is made whose breakers and budgets run on `clock`.
    public init(
        taskName: String,
        jsonOutput: Bool = false,
        providers: [any Provider],
        request: ProviderRequest,
        deadline: ContinuousClock.Instant,
        hedging: HedgingConfiguration = .defaults,
        hedgeDelay: @escaping @Sendable (any Provider) -> Duration,
        clock: any PoolClock = SystemPoolClock(),
        telemetry: PoolTelemetry = .standalone,
        resilience: Resilience? = nil,
        skipped: [Resilience.Rejection] = [],
        retry: RetryConfiguration = .defaults,
        weighted: WeightedConfiguration = .defaults,
        span: RecordedSpan? = nil
    ) {
        self.telemetry = telemetry
        self.taskName = taskName
        self.jsonOutput = jsonOutput
        self.providers = providers
        self.request = request
        self.deadline = deadline
        self.requestDeadline = deadline
        self.hedging = hedging
        self.hedgeDelay = hedgeDelay
        self.clock = clock
        self.resilience =
            resilience ?? Resilience(configuration: PoolConfiguration(), telemetry: telemetry, now: clock.nowSource)
        self.skipped = skipped
        self.retry = retry
        self.weighted = weighted
        self.span = span
    }

    /// Time left until the deadline (zero once it passed).
    public func remaining() -> Duration {
        max(.zero, clock.now.duration(to: deadline))
    }

    /// The request with its timeout set to the time left.
    public func requestWithRemainingTime() -> ProviderRequest {
        var request = self.request
        request.timeout = remaining()
        // The orchestrator's deadline cancels every call a strategy makes.
        request.deadlineEnforced = true
        return request
    }
}

/// The outcome of a strategy: the chosen response and how it was chosen.
public struct StrategyResult: Sendable {
    /// How a strategy reached its answer: the `outcome` label of
    /// `llm_pool_strategy_decisions_total` (failures are `failed` or `no_consensus`).
    public struct Outcome: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Answered as designed.
        public static let ok = Outcome(rawValue: "ok")
        /// VOTING stopped once the majority was certain and cancelled the calls still running.
        public static let earlyStop = Outcome(rawValue: "early_stop")
        /// CONSENSUS found none and answered with the configured fallback.
        public static let fallback = Outcome(rawValue: "fallback")
        /// JUDGE's verdict was unusable and VOTING chose instead.
        public static let judgeFallback = Outcome(rawValue: "judge_fallback")
    }

    /// The chosen response.
    public var response: ProviderResponse
    /// The provider that produced it.
    public var provider: any Provider
    /// How it was chosen.
    public var decision: EnsembleDecision
    /// How the strategy got there.
    public var outcome: Outcome

    /// Creates a result.
    public init(response: ProviderResponse, provider: any Provider, decision: EnsembleDecision, outcome: Outcome = .ok)
    {
        self.response = response
        self.provider = provider
        self.decision = decision
        self.outcome = outcome
    }
}

/// An ensemble strategy: how a request is spread over providers and an answer chosen.
///
/// Implementations run their algorithm inside ``StrategyContext/recordingDecision(_:_:)``, so
/// that every run is counted in `llm_pool_strategy_decisions_total{strategy,outcome}` and lists
/// the providers its breakers skipped.
public protocol EnsembleStrategy: Sendable {
    /// Which strategy this is.
    var kind: StrategyKind { get }
    /// Serves one request.
    /// - Throws: ``PoolError``: `unavailable` when every provider failed, `deadlineExceeded` when
    ///   time ran out, or the strategy's own errors (`noConsensus`).
    func run(_ context: StrategyContext) async throws -> StrategyResult
}
