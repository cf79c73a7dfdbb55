import LLMPoolObservability
import Logging
import Synchronization
import Tracing

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
    /// The snapshot in force and the strategies built from it (JUDGE's judge and template come
    /// from the configuration), swapped together so a request sees one consistent pair.
    private let current: Mutex<Generation>
    /// Strategies the caller supplied, replacing the standard ones by kind on every rebuild.
    private let overrides: [any EnsembleStrategy]
    let cache: (any AnswerCache)?
    /// The time of deadlines, hedges, coalesced waits, and of the breakers and budgets of a
    /// ``Resilience`` made here.
    public let clock: any PoolClock
    let logger: Logger
    /// Where requests, steps and provider calls are measured and traced.
    public let telemetry: PoolTelemetry
    /// Identical cacheable requests in flight, answered by one upstream call.
    let coalescer: RequestCoalescer<CacheKey, InferenceAnswer>
    /// Circuit breakers, hedge and retry budgets, hedge delays and WEIGHTED scores: the routing
    /// state shared by every request. Readiness reads breaker states from it.
    public let resilience: Resilience

    /// Creates an orchestrator.
    /// - Parameters:
    ///   - configuration: The validated configuration.
    ///   - providers: The providers built from `configuration.providers`.
    ///   - cache: The answer cache, or `nil` for none.
    ///   - strategies: Strategy implementations replacing, by kind, the ``StandardStrategies``.
    ///   - clock: The time of deadlines, hedges and coalesced waits; tests pass a manual one.
    ///   - resilience: The routing state; default one made from `configuration` and `telemetry`,
    ///     its breakers and budgets on `clock`.
    public init(
        configuration: PoolConfiguration,
        providers: [any Provider],
        cache: (any AnswerCache)? = nil,
        strategies: [any EnsembleStrategy] = [],
        logger: Logger = Logger(label: "llm-pool.orchestrator"),
        clock: any PoolClock = SystemPoolClock(),
        telemetry: PoolTelemetry = .standalone,
        resilience: Resilience? = nil
    ) {
        self.telemetry = telemetry
        self.resilience =
            resilience ?? Resilience(configuration: configuration, telemetry: telemetry, now: clock.nowSource)
        self.coalescer = RequestCoalescer(clock: clock)
        self.overrides = strategies
        self.current = Mutex(
            Generation(
                snapshot: PoolSnapshot(configuration: configuration, providers: providers),
                overrides: strategies
            )
        )
        self.cache = cache
        self.logger = logger
        self.clock = clock
    }

    /// The configuration and providers new requests use.
    public var snapshot: PoolSnapshot { current.withLock { $0.snapshot } }

    /// The snapshot and strategies new requests use.
    var generation: Generation { current.withLock { $0 } }

    /// Replaces the configuration and providers for requests that start from now on.
    public func replace(_ snapshot: PoolSnapshot) {
        let next = Generation(snapshot: snapshot, overrides: overrides)
        current.withLock { $0 = next }
        resilience.apply(snapshot.configuration)
    }

    /// Answers a request.
    /// - Throws: ``PoolError``: `invalidArgument`, `notFound`, `payloadTooLarge` for bad requests;
    ///   `unavailable` when no provider could answer; `deadlineExceeded` when time ran out.
    public func infer(_ request: InferenceRequest) async throws -> InferenceAnswer {
        try await infer(request, observed: true)
    }

    func infer(_ request: InferenceRequest, observed: Bool) async throws -> InferenceAnswer {
        let generation = self.generation
        let snapshot = generation.snapshot
        guard telemetry.isEnabled, observed else { return try await answer(request, generation) }
        let observation = RequestObservation(telemetry: telemetry, api: request.api)
        do {
            let answer = try await answer(request, generation)
            observation.finish(task: Self.taskLabel(request, snapshot), strategy: answer.strategy.rawValue, error: nil)
            return answer
        } catch {
            observation.finish(
                task: Self.taskLabel(request, snapshot),
                strategy: Self.strategyLabel(request, snapshot),
                error: error
            )
            throw error
        }
    }

    /// Validates, routes, consults the cache and runs the strategy, each step in its own span.
    private func answer(_ request: InferenceRequest, _ generation: Generation) async throws -> InferenceAnswer {
        let prepared = try prepare(request, generation)
        if let hit = await cacheLookup(prepared) {
            return cachedAnswer(hit, prepared: prepared)
        }
        return try await respond(request, prepared)
    }

    /// After a cache miss: runs the strategy, sharing the call with identical requests in flight.
    func respond(_ request: InferenceRequest, _ prepared: PreparedRequest) async throws -> InferenceAnswer {
        guard let key = prepared.cacheKey, cache != nil else { return try await compute(request, prepared) }
        // Identical deterministic requests in flight share one upstream call. Each caller waits
        // until its own deadline; the call itself may run as long as any request may ask for,
        // and is cancelled as soon as nobody waits for it.
        var flight = prepared
        flight.deadline = max(prepared.deadline, prepared.started.advanced(by: prepared.qos.maxDeadline))
        let (shared, joined) = try await coalescer.run(
            key,
            deadline: prepared.deadline,
            deadlineError: PoolError(
                code: .deadlineExceeded,
                message: "deadline exceeded before any provider for '\(prepared.taskName)' answered"
            )
        ) { [self, flight] in try await compute(request, flight) }
        guard joined else { return shared }
        if telemetry.isEnabled, let cache {
            telemetry.metrics.cacheRequests.labels(cache.backend, "coalesced").increment()
        }
        var answer = shared
        answer.requestID = request.requestID
        answer.latency = prepared.started.duration(to: clock.now)
        answer.decision.reason = "coalesced with an identical request in flight; \(answer.decision.reason)"
        return answer
    }

    /// Runs the strategy and caches the answer.
    private func compute(_ request: InferenceRequest, _ prepared: PreparedRequest) async throws -> InferenceAnswer {
        let strategy = prepared.implementation
        let context = try makeContext(prepared)
        let result = try await step("strategy \(prepared.strategy.rawValue)") { span in
            var traced = context
            traced.span = span
            let fallback = fallbackContext(prepared, traced)
            let result = try await withDeadline(prepared.deadline, task: prepared.taskName) { [traced] in
                do {
                    return try await strategy.run(traced)
                } catch let error as PoolError where error.code == .contextLengthExceeded {
                    guard let fallback = try fallback() else { throw error }
                    fallback.event("context window fallback", ["llm_pool.error": .string(error.message)])
                    var result = try await strategy.run(fallback)
                    result.decision.reason = "\(Self.fallbackNote(error)); \(result.decision.reason)"
                    return result
                }
            }
            if let span, span.isRecording {
                span.attributes["llm_pool.strategy"] = result.decision.strategy.rawValue
                span.attributes["llm_pool.winner"] = result.decision.winner
                span.attributes["llm_pool.hedges_fired"] = result.decision.hedgesFired
                span.attributes["llm_pool.candidates"] = result.decision.candidates.count
            }
            return result
        }
        let decision = result.decision
        let answer = InferenceAnswer(
            requestID: request.requestID,
            text: result.response.text,
            model: result.response.model.isEmpty ? result.provider.model : result.response.model,
            provider: result.provider.name,
            strategy: decision.strategy,
            usage: result.response.usage,
            cached: false,
            latency: prepared.started.duration(to: clock.now),
            decision: decision,
            finishReason: result.response.finishReason,
            extras: result.response.extras
        )
        await store(answer, for: prepared)
        return answer
    }

    /// Caches a computed answer under the request's key, when it is cacheable.
    func store(_ answer: InferenceAnswer, for prepared: PreparedRequest) async {
        guard let key = prepared.cacheKey, let cache else { return }
        let entry = CachedAnswer(answer)
        await cache.set(key, entry)
    }

    /// The `validate` and `route` steps: checks the request, renders the prompt, picks providers.
    func prepare(_ request: InferenceRequest, _ generation: Generation) throws -> PreparedRequest {
        let snapshot = generation.snapshot
        guard telemetry.tracesSteps else { return try PreparedRequest(request, generation: generation, clock: clock) }
        let tracer = telemetry.tracer
        try tracer.withSpan("validate", ofKind: .internal) { span in
            if span.isRecording {
                span.attributes["llm_pool.task"] = request.task
                span.attributes["llm_pool.request_id"] = request.requestID
            }
            try RequestValidator(configuration: snapshot.configuration).validate(request)
        }
        return try tracer.withSpan("route", ofKind: .internal) { span in
            let prepared = try PreparedRequest(request, generation: generation, clock: clock, validated: true)
            if span.isRecording {
                span.attributes["llm_pool.task"] = prepared.taskName
                span.attributes["llm_pool.strategy"] = prepared.strategy.rawValue
                span.attributes["llm_pool.providers"] = prepared.providers.map(\.name)
            }
            return prepared
        }
    }

    /// The `cache` step: a lookup when the request is cacheable, counted by result.
    func cacheLookup(_ prepared: PreparedRequest) async -> CachedAnswer? {
        guard let key = prepared.cacheKey, let cache else { return nil }
        guard telemetry.isEnabled else { return await cache.get(key) }
        return await step("cache") { span in
            let hit = await cache.get(key)
            telemetry.metrics.cacheRequests.labels(cache.backend, hit == nil ? "miss" : "hit").increment()
            if let span {
                span.attributes["llm_pool.cache.backend"] = cache.backend
                span.attributes["llm_pool.cache.hit"] = hit != nil
                if hit != nil { span.addEvent("cache hit") }
            }
            return hit
        }
    }

    /// Runs `body` in a child span of the current one (no span when telemetry is off); errors
    /// mark the span failed.
    func step<T: Sendable>(_ name: String, _ body: (RecordedSpan?) async throws -> T) async rethrows -> T {
        guard telemetry.tracesSteps else { return try await body(nil) }
        let span = telemetry.tracer.startSpan(name, context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        defer { span.end() }
        do {
            return try await ServiceContext.withValue(span.context) { try await body(span) }
        } catch {
            span.recordError(error)
            span.setStatus(.init(code: .error, message: (error as? PoolError)?.message ?? "\(error)"))
            throw error
        }
    }

    /// The `task` label of a request: a configured task, `chat` for direct model requests, else
    /// `unknown` (caller-chosen strings never become labels).
    static func taskLabel(_ request: InferenceRequest, _ snapshot: PoolSnapshot) -> String {
        if request.directMessages != nil {
            return request.task.isEmpty
                ? "chat" : (snapshot.configuration.tasks[request.task] != nil ? request.task : "chat")
        }
        return snapshot.configuration.tasks[request.task] != nil ? request.task : "unknown"
    }

    /// The `strategy` label of a request that failed before a strategy chose.
    static func strategyLabel(_ request: InferenceRequest, _ snapshot: PoolSnapshot) -> String {
        if request.directMessages != nil { return StrategyKind.fastest.rawValue }
        if let strategy = request.strategy { return strategy.rawValue }
        return snapshot.configuration.tasks[request.task]?.strategy.rawValue ?? "none"
    }

    /// The strategy's view of a request: the providers whose circuit breaker lets calls through
    /// (the others listed as skipped), hedge delays from measured latency, budgets and settings.
    /// - Throws: ``PoolError`` `unavailable` when every provider's breaker is open.
    func makeContext(_ prepared: PreparedRequest) throws -> StrategyContext {
        let qos = prepared.qos
        let admission = try resilience.admit(prepared.providers, task: prepared.taskName)
        let (policy, hedging, task) = (resilience.hedgePolicy, qos.hedging, prepared.taskName)
        var context = StrategyContext(
            taskName: prepared.taskName,
            jsonOutput: prepared.jsonOutput,
            providers: admission.admitted,
            request: prepared.providerRequest,
            deadline: prepared.deadline,
            hedging: hedging,
            hedgeDelay: { policy.delay(for: $0, task: task, configuration: hedging) },
            clock: clock,
            telemetry: telemetry,
            resilience: resilience,
            skipped: admission.rejected,
            retry: qos.retry,
            weighted: qos.weighted
        )
        context.requestDeadline = prepared.requestDeadline
        return context
    }

    /// The context for the task's `context_window_fallback` providers, made when asked (after a
    /// `context_length_exceeded`): the same request, deadline and span over those providers whose
    /// breaker lets calls through; `nil` when the task names none.
    /// - Throws: ``PoolError`` `unavailable` when every fallback provider is held back.
    func fallbackContext(_ prepared: PreparedRequest, _ context: StrategyContext)
        -> @Sendable () throws -> StrategyContext?
    {
        let (fallback, resilience, task) = (prepared.contextFallback, resilience, prepared.taskName)
        return {
            guard !fallback.isEmpty else { return nil }
            let admission = try resilience.admit(fallback, task: task)
            var next = context
            next.providers = admission.admitted
            next.skipped = admission.rejected
            return next
        }
    }

    /// The decision's note for an answer from the fallback providers.
    static func fallbackNote(_ error: PoolError) -> String {
        "the task's providers could not hold the request (\(error.message)): answered by its context_window_fallback"
    }

    func cachedAnswer(_ hit: CachedAnswer, prepared: PreparedRequest) -> InferenceAnswer {
        let decision = EnsembleDecision(
            strategy: prepared.strategy,
            candidates: [],
            winner: hit.provider,
            reason: "served from cache",
            hedgesFired: 0
        )
        return InferenceAnswer(
            requestID: prepared.request.requestID,
            text: hit.text,
            model: hit.model,
            provider: hit.provider,
            strategy: prepared.strategy,
            usage: hit.usage,
            cached: true,
            latency: prepared.started.duration(to: clock.now),
            decision: decision,
            finishReason: hit.finishReason,
            extras: hit.extras
        )
    }

    /// Runs `body`, failing with `deadlineExceeded` if `deadline` passes first on the orchestrator's
    /// clock; `body` is then cancelled, and has ended when this returns.
    func withDeadline<T: Sendable>(
        _ deadline: ContinuousClock.Instant,
        task: String,
        progress: (@Sendable () -> String?)? = nil,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let clock = self.clock
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                if let note = progress?() {
                    throw PoolError(code: .deadlineExceeded, message: "deadline exceeded for '\(task)': \(note)")
                }
                throw PoolError(
                    code: .deadlineExceeded,
                    message: "deadline exceeded before any provider for '\(task)' answered"
                )
            }
            return value
        }
    }
}

/// One configuration in force: the snapshot and one strategy per kind built from it.
struct Generation: Sendable {
    let snapshot: PoolSnapshot
    let strategies: [StrategyKind: any EnsembleStrategy]

    /// The standard strategies for `snapshot`, replaced by kind by `overrides`.
    init(snapshot: PoolSnapshot, overrides: [any EnsembleStrategy]) {
        self.snapshot = snapshot
        let standard = StandardStrategies.make(configuration: snapshot.configuration, providers: snapshot.providers)
        strategies = Dictionary((standard + overrides).map { ($0.kind, $0) }, uniquingKeysWith: { $1 })
    }

    /// The strategy of a kind; every kind has one (the standard set covers them all).
    func strategy(_ kind: StrategyKind) -> any EnsembleStrategy {
        guard let strategy = strategies[kind] else { fatalError("no strategy for \(kind.rawValue)") }
        return strategy
    }
}
