import Logging
import Synchronization

/// The heart of llm-pool: validates a request, renders the task's prompt, consults the cache,
/// runs the task's ensemble strategy over its providers within the deadline, and returns the
/// answer with the decision that produced it.
///
/// ```swift
/// let orchestrator = Orchestrator(configuration: config, providers: providers)
/// let answer = try await orchestrator.infer(
///     InferenceRequest(requestID: "r1", task: "expand_queries", input: "swift web frameworks")
/// )
/// print(answer.text, answer.decision.winner)
/// ```
public final class Orchestrator: Sendable {
    private let current: Mutex<PoolSnapshot>
    private let strategies: [StrategyKind: any EnsembleStrategy]
    let cache: (any AnswerCache)?
    let clock: ContinuousClock
    let logger: Logger

    /// Creates an orchestrator.
    /// - Parameters:
    ///   - configuration: The validated configuration.
    ///   - providers: The providers built from `configuration.providers`.
    ///   - cache: The answer cache, or `nil` for none.
    ///   - strategies: Strategy implementations by kind; kinds without one are served by FASTEST
    ///     and the decision says so.
    public init(
        configuration: PoolConfiguration,
        providers: [any Provider],
        cache: (any AnswerCache)? = nil,
        strategies: [any EnsembleStrategy] = [FastestStrategy()],
        logger: Logger = Logger(label: "llm-pool.orchestrator"),
        clock: ContinuousClock = .init()
    ) {
        self.current = Mutex(PoolSnapshot(configuration: configuration, providers: providers))
        self.strategies = Dictionary(strategies.map { ($0.kind, $0) }, uniquingKeysWith: { $1 })
        self.cache = cache
        self.logger = logger
        self.clock = clock
    }

    /// The configuration and providers new requests use.
    public var snapshot: PoolSnapshot { current.withLock { $0 } }

    /// Replaces the configuration and providers for requests that start from now on.
    public func replace(_ snapshot: PoolSnapshot) {
        current.withLock { $0 = snapshot }
    }

    /// Answers a request.
    /// - Throws: ``PoolError``: `invalidArgument`, `notFound`, `payloadTooLarge` for bad requests;
    ///   `unavailable` when no provider could answer; `deadlineExceeded` when time ran out.
    public func infer(_ request: InferenceRequest) async throws -> InferenceAnswer {
        let prepared = try PreparedRequest(request, snapshot: snapshot, clock: clock)
        if let key = prepared.cacheKey, let cache, let hit = await cache.get(key) {
            return cachedAnswer(hit, prepared: prepared)
        }
        let (strategy, note) = strategy(for: prepared.strategy)
        let context = makeContext(prepared)
        let result = try await withDeadline(prepared.deadline, task: prepared.taskName) {
            try await strategy.run(context)
        }
        var decision = result.decision
        if let note { decision.reason = "\(note); \(decision.reason)" }
        let answer = InferenceAnswer(
            requestID: request.requestID, text: result.response.text, model: result.response.model.isEmpty ? result.provider.model : result.response.model,
            provider: result.provider.name, strategy: decision.strategy, usage: result.response.usage, cached: false,
            latency: prepared.started.duration(to: clock.now), decision: decision, finishReason: result.response.finishReason
        )
        if let key = prepared.cacheKey, let cache {
            await cache.set(key, CachedAnswer(text: answer.text, model: answer.model, provider: answer.provider, usage: answer.usage, finishReason: answer.finishReason))
        }
        return answer
    }

    func strategy(for kind: StrategyKind) -> (any EnsembleStrategy, String?) {
        if let strategy = strategies[kind] { return (strategy, nil) }
        return (FastestStrategy(), "\(kind.rawValue) is not available in this build; served with FASTEST")
    }

    func makeContext(_ prepared: PreparedRequest) -> StrategyContext {
        let hedging = snapshot.configuration.qos.hedging
        return StrategyContext(
            taskName: prepared.taskName, jsonOutput: prepared.jsonOutput, providers: prepared.providers,
            request: prepared.providerRequest, deadline: prepared.deadline, hedging: hedging,
            hedgeDelay: { _ in min(max(hedging.staticDelay, hedging.minDelay), hedging.maxDelay) }, clock: clock
        )
    }

    func cachedAnswer(_ hit: CachedAnswer, prepared: PreparedRequest) -> InferenceAnswer {
        let decision = EnsembleDecision(strategy: prepared.strategy, candidates: [], winner: hit.provider, reason: "served from cache", hedgesFired: 0)
        return InferenceAnswer(
            requestID: prepared.request.requestID, text: hit.text, model: hit.model, provider: hit.provider,
            strategy: prepared.strategy, usage: hit.usage, cached: true, latency: prepared.started.duration(to: clock.now),
            decision: decision, finishReason: hit.finishReason
        )
    }

    /// Runs `body`, failing with `deadlineExceeded` if `deadline` passes first; `body` is cancelled.
    func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant, task: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = self.clock
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: clock)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw PoolError(code: .deadlineExceeded, message: "deadline exceeded before any provider for '\(task)' answered")
            }
            return value
        }
    }
}
