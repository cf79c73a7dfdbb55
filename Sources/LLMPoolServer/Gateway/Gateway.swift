import LLMPoolCore
import LLMPoolObservability
import Logging

/// The one request pipeline behind both front doors: admit (rate limits) → orchestrate →
/// settle usage → log and trace. HTTP (native and OpenAI, plain and streamed) and gRPC (unary
/// and streamed) decode their wire format into an ``InferenceCall`` once and hand it here, so
/// logging, tracing, metrics, refunds and usage correction are the same for every door.
///
/// ```swift
/// let admission = await gateway.admit(call)
/// guard admission.isAdmitted else { return reply(admission.rejection!) }
/// let answer = try await gateway.infer(admission)
/// ```
public struct Gateway: Sendable {
    /// The orchestrator requests run on.
    public let orchestrator: Orchestrator
    /// Authentication and rate limits in force; `nil` when the pool enforces neither.
    public let guards: GuardsHolder?
    /// Whether the server is shutting down; `nil` for a pool that never drains.
    public let drain: DrainState?
    /// Where finished requests are remembered for the console; `nil` when it is off.
    public let decisions: DecisionRing?
    private let rateLimits: RateLimitStage
    private let log: RequestLog
    private let logger: Logger
    private let showInputs: Bool

    /// Creates the pipeline.
    /// - Parameters:
    ///   - orchestrator: Runs the requests.
    ///   - guards: Authentication and rate limits in force (a reload swaps them); `nil` limits nothing.
    ///   - logger: Where the request log lines go.
    ///   - drain: The server's shutdown state: calls cancelled by the drain are answered `unavailable`.
    ///   - decisions: Where finished requests are remembered for the console; `nil` remembers none.
    ///   - showInputs: Whether remembered requests keep their input text (`console.show_inputs`).
    public init(
        orchestrator: Orchestrator,
        guards: GuardsHolder?,
        logger: Logger,
        drain: DrainState? = nil,
        decisions: DecisionRing? = nil,
        showInputs: Bool = false
    ) {
        self.orchestrator = orchestrator
        self.decisions = decisions
        self.showInputs = showInputs
        self.guards = guards
        self.drain = drain
        self.rateLimits = RateLimitStage(guards: guards)
        self.log = RequestLog(logger: logger)
        self.logger = logger
    }

    /// The admit stage: charges the call to its tenant's limits. A refused call is counted,
    /// logged and traced here; the door answers with ``Admission/rejection``.
    public func admit(_ call: InferenceCall) async -> Admission {
        let started = ContinuousClock.now
        let admission = await rateLimits.admit(call)
        if let rejection = admission.rejection {
            finish(call, answer: nil, error: rejection, latency: started.duration(to: .now))
        }
        return admission
    }

    /// Answers an admitted call, settles its usage and logs it.
    /// - Throws: What the orchestrator threw (already logged and counted).
    public func infer(_ admission: Admission) async throws -> InferenceAnswer {
        let started = ContinuousClock.now
        let call = admission.call
        do {
            let answer = try await watched(call) { [orchestrator] in try await orchestrator.infer(call.request) }
            await rateLimits.settle(admission, usage: answer.usage, logger: logger)
            finish(call, answer: answer, error: nil, latency: started.duration(to: .now))
            return answer
        } catch {
            let error = drain?.resolve(error) ?? error
            await rateLimits.settle(admission, usage: nil, logger: logger)
            finish(call, answer: nil, error: error, latency: started.duration(to: .now))
            throw error
        }
    }

    /// Prepares an admitted call to be streamed, before the door sends anything: what fails
    /// here (validation, routing, every breaker open) is answered with a status, as a unary call
    /// would be. A failure is settled (refunded) and logged.
    public func openStream(_ admission: Admission) async throws -> OpenedStream {
        let started = ContinuousClock.now
        do {
            let prepared = try orchestrator.prepareStream(admission.call.request)
            return OpenedStream(admission: admission, prepared: prepared, started: started)
        } catch {
            await rateLimits.settle(admission, usage: nil, logger: logger)
            let call = admission.call
            finish(call, answer: nil, error: error, latency: started.duration(to: .now))
            throw error
        }
    }

    /// Streams an opened call into `onEvent`, settles its usage from the final event and logs
    /// it. When `onEvent` throws (the client went away), the upstream calls are cancelled.
    /// - Throws: What the orchestrator or `onEvent` threw (already logged and counted).
    public func stream(
        _ opened: OpenedStream,
        onEvent: @escaping @Sendable (AnswerStreamEvent) async throws -> Void
    ) async throws -> InferenceAnswer {
        let (admission, started) = (opened.admission, opened.started)
        let call = admission.call
        do {
            let answer = try await watched(call) { [orchestrator] in
                try await orchestrator.stream(opened.prepared, onEvent: onEvent)
            }
            await rateLimits.settle(admission, usage: answer.usage, logger: logger)
            finish(call, answer: answer, error: nil, latency: started.duration(to: .now))
            return answer
        } catch {
            let error = drain?.resolve(error) ?? error
            await rateLimits.settle(admission, usage: nil, logger: logger)
            finish(call, answer: nil, error: error, latency: started.duration(to: .now))
            throw error
        }
    }

    /// Records a request the door could not decode (malformed body, too large, bad field): counted
    /// in `llm_pool_requests_total{task="unknown",strategy="none"}`, logged and traced like any other.
    public func reject(
        _ error: any Error,
        api: RequestAPI,
        requestID: String,
        operation: String,
        streaming: Bool,
        principal: AuthenticatedPrincipal?,
        tenantHint: String?,
        span: RecordedSpan?
    ) {
        orchestrator.recordRejected(api: api, error: error)
        let request = InferenceRequest(requestID: requestID, task: "", input: "", api: api)
        let call = InferenceCall(
            request: request,
            principal: principal,
            tenantHint: tenantHint,
            estimator: TokenEstimator(configuration: orchestrator.snapshot.configuration),
            streaming: streaming,
            operation: operation,
            span: span
        )
        log.record(call, task: "unknown", answer: nil, error: error, latency: .zero)
    }

    /// The settle stage on its own: corrects (or, with `nil`, refunds) what admission charged.
    func settle(_ admission: Admission, usage: TokenUsage?) async {
        await rateLimits.settle(admission, usage: usage, logger: logger)
    }

    /// The last stage of every call: the log line and span attributes, and the console's record.
    func finish(_ call: InferenceCall, answer: InferenceAnswer?, error: (any Error)?, latency: Duration) {
        let task = taskLabel(call)
        log.record(call, task: task, answer: answer, error: error, latency: latency)
        guard let decisions else { return }
        let failure = error.map(PoolError.classifying)
        decisions.append(
            RecentDecision(
                at: orchestrator.clock.now,
                requestID: call.requestID,
                traceID: call.span?.traceID,
                api: call.api,
                task: task,
                strategy: answer?.strategy.rawValue ?? strategyLabel(call),
                streaming: call.streaming,
                code: failure?.code.description ?? "ok",
                error: failure?.message,
                latency: latency,
                decision: answer?.decision,
                provider: answer?.provider,
                model: answer?.model,
                cached: answer?.cached ?? false,
                input: showInputs ? call.request.input : nil
            )
        )
    }

    /// The strategy a failed call ran or would have run.
    private func strategyLabel(_ call: InferenceCall) -> String {
        if call.request.directMessages != nil { return StrategyKind.fastest.rawValue }
        if let strategy = call.request.strategy { return strategy.rawValue }
        return orchestrator.snapshot.configuration.tasks[call.request.task]?.strategy.rawValue ?? "none"
    }

    /// The estimator for the configuration in force.
    public var estimator: TokenEstimator { TokenEstimator(configuration: orchestrator.snapshot.configuration) }

    /// The task a call is logged under: the task, or the model for a model named directly.
    private func taskLabel(_ call: InferenceCall) -> String {
        if call.request.directMessages != nil { return call.request.directProvider ?? "chat" }
        return call.request.task
    }
}
