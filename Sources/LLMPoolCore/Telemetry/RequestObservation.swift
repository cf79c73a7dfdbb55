import LLMPoolObservability
import Tracing

/// Measures one request from arrival to answer: the in-flight gauge while it runs, then
/// `llm_pool_requests_total`, `llm_pool_request_duration_seconds` (with the trace as exemplar)
/// and the SLO tracker once it ends.
struct RequestObservation: Sendable {
    let telemetry: PoolTelemetry
    let api: String
    let started: ContinuousClock.Instant
    let inflight: GaugeSeries

    init(telemetry: PoolTelemetry, api: RequestAPI) {
        self.telemetry = telemetry
        self.api = api.rawValue
        started = .now
        inflight = telemetry.metrics.inflightRequests.labels(api.rawValue)
        inflight.increment()
    }

    /// Records the end of the request.
    ///
    /// - Parameters:
    ///   - task: A configured task name, `chat` for direct model requests, or `unknown`.
    ///   - strategy: The strategy's name, or `none` when the request never reached one.
    ///   - error: The error the request ended with, or `nil` for success.
    func finish(task: String, strategy: String, error: (any Error)?) {
        inflight.decrement()
        let elapsed = started.duration(to: .now)
        let seconds = elapsed.seconds
        let code = error.map { PoolError.classifying($0).code.description } ?? "ok"
        let metrics = telemetry.metrics
        metrics.requests.labels(api, task, strategy, code).increment()
        var exemplar: Exemplar?
        if let span = ServiceContext.current?.spanContext, span.isSampled {
            exemplar = Exemplar(
                traceIDHigh: span.traceID.high,
                traceIDLow: span.traceID.low,
                spanID: span.spanID.value,
                value: seconds
            )
        }
        metrics.requestDuration.labels(api, task, strategy).observe(seconds, exemplar: exemplar)
        // Caller mistakes do not spend the error budget; failures of the pool do.
        if let slo = telemetry.slo, !Self.isClientError(error) {
            slo.record(task: task, success: error == nil, latency: elapsed)
        }
    }

    static func isClientError(_ error: (any Error)?) -> Bool {
        guard let error = error as? PoolError else { return error is CancellationError }
        switch error.code {
        case .invalidArgument, .notFound, .payloadTooLarge, .contextLengthExceeded, .unauthenticated, .permissionDenied,
            .resourceExhausted, .cancelled:
            return true
        default:
            return false
        }
    }
}

extension Orchestrator {
    /// Counts a request the front door rejected before it reached the orchestrator (malformed
    /// body, too large, bad credentials), under task `unknown` and strategy `none`.
    public func recordRejected(api: RequestAPI, error: any Error) {
        guard telemetry.isEnabled else { return }
        let code = PoolError.classifying(error).code.description
        telemetry.metrics.requests.labels(api.rawValue, "unknown", "none", code).increment()
    }
}
