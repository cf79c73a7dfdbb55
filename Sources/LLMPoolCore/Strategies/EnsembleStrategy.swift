/// Everything a strategy needs to serve one request.
public struct StrategyContext: Sendable {
    /// The task being served (for direct model requests, a synthetic task named after the model).
    public var taskName: String
    /// Whether answers are JSON, for strategies that compare answers.
    public var jsonOutput: Bool
    /// The providers that may serve the request, best first.
    public var providers: [any Provider]
    /// The request to send; its timeout is replaced by the remaining time at each call.
    public var request: ProviderRequest
    /// When the whole request must be answered.
    public var deadline: ContinuousClock.Instant
    /// Hedging settings.
    public var hedging: HedgingConfiguration
    /// The delay before hedging away from a provider. Measured latency once the registry feeds it.
    public var hedgeDelay: @Sendable (_ provider: any Provider) -> Duration
    /// The clock deadlines are measured on.
    public var clock: ContinuousClock
    /// Metrics and tracer: strategies count hedges, retries and decisions here and open spans
    /// for hedges; the request's span is the current `ServiceContext`.
    public var telemetry: PoolTelemetry

    /// Creates a context.
    public init(
        taskName: String, jsonOutput: Bool = false, providers: [any Provider], request: ProviderRequest,
        deadline: ContinuousClock.Instant, hedging: HedgingConfiguration = .defaults,
        hedgeDelay: @escaping @Sendable (any Provider) -> Duration, clock: ContinuousClock = .init(),
        telemetry: PoolTelemetry = .standalone
    ) {
        self.telemetry = telemetry
        self.taskName = taskName
        self.jsonOutput = jsonOutput
        self.providers = providers
        self.request = request
        self.deadline = deadline
        self.hedging = hedging
        self.hedgeDelay = hedgeDelay
        self.clock = clock
    }

    /// Time left until the deadline (zero once it passed).
    public func remaining() -> Duration {
        max(.zero, clock.now.duration(to: deadline))
    }

    /// The request with its timeout set to the time left.
    public func requestWithRemainingTime() -> ProviderRequest {
        var request = self.request
        request.timeout = remaining()
        return request
    }
}

/// The outcome of a strategy: the chosen response and how it was chosen.
public struct StrategyResult: Sendable {
    /// The chosen response.
    public var response: ProviderResponse
    /// The provider that produced it.
    public var provider: any Provider
    /// How it was chosen.
    public var decision: EnsembleDecision

    /// Creates a result.
    public init(response: ProviderResponse, provider: any Provider, decision: EnsembleDecision) {
        self.response = response
        self.provider = provider
        self.decision = decision
    }
}

/// An ensemble strategy: how a request is spread over providers and an answer chosen.
public protocol EnsembleStrategy: Sendable {
    /// Which strategy this is.
    var kind: StrategyKind { get }
    /// Serves one request.
    /// - Throws: ``PoolError``: `unavailable` when every provider failed, `deadlineExceeded` when
    ///   time ran out, or the strategy's own errors (`noConsensus`).
    func run(_ context: StrategyContext) async throws -> StrategyResult
}
