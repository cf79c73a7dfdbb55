import HTTPTypes
import LLMPoolCore
import LLMPoolObservability
import Logging
import Tracing

/// The gateway's last stage: one log line and the server span's attributes per inference call,
/// with the same fields whichever front door served it.
///
/// Fields: `request_id`, `api`, `operation`, `tenant`, `task`, `stream`, `code` (the domain code,
/// `ok` on success), `status` (the HTTP status or gRPC code the door answers with),
/// `latency_ms`, and once answered `model`, `provider`, `strategy`, `cache`, `input_tokens`,
/// `output_tokens`; a failure adds `error`. Failures of the pool itself (`internal`) are logged
/// at error level with their cause.
struct RequestLog: Sendable {
    let logger: Logger

    func record(
        _ call: InferenceCall,
        task: String,
        answer: InferenceAnswer?,
        error: (any Error)?,
        latency: Duration
    ) {
        let failure = error.map(PoolError.classifying)
        let code = failure?.code.description ?? "ok"
        var metadata: Logger.Metadata = [
            "request_id": .string(call.requestID),
            "api": .string(call.api.rawValue),
            "operation": .string(call.operation),
            "tenant": .string(call.tenant),
            "task": .string(task),
            "stream": .stringConvertible(call.streaming),
            "code": .string(code),
            "status": Self.status(failure, api: call.api),
            "latency_ms": .stringConvertible((latency.fractionalMilliseconds * 100).rounded() / 100),
        ]
        if let answer {
            metadata["model"] = .string(answer.model)
            metadata["provider"] = .string(answer.provider)
            metadata["strategy"] = .string(answer.strategy.rawValue)
            metadata["cache"] = .string(answer.cached ? "hit" : "miss")
            metadata["input_tokens"] = .stringConvertible(answer.usage.inputTokens)
            metadata["output_tokens"] = .stringConvertible(answer.usage.outputTokens)
        }
        if let failure {
            metadata["error"] = .string(failure.message)
            if failure.code == .internal {
                if let cause = failure.cause { metadata["cause"] = .string(String(reflecting: cause)) }
                logger.error("request", metadata: metadata)
            } else {
                logger.info("request", metadata: metadata)
            }
        } else {
            logger.info("request", metadata: metadata)
        }
        annotate(call.span, call: call, task: task, answer: answer, failure: failure)
    }

    private func annotate(
        _ span: RecordedSpan?,
        call: InferenceCall,
        task: String,
        answer: InferenceAnswer?,
        failure: PoolError?
    ) {
        guard let span, span.isRecording else { return }
        span.attributes["llm_pool.task"] = task
        span.attributes["llm_pool.tenant"] = call.tenant
        span.attributes["llm_pool.api"] = call.api.rawValue
        span.attributes["llm_pool.code"] = failure?.code.description ?? "ok"
        if let answer {
            span.attributes["gen_ai.response.model"] = answer.model
            span.attributes["llm_pool.provider"] = answer.provider
            span.attributes["llm_pool.strategy"] = answer.strategy.rawValue
            span.attributes["llm_pool.cache.hit"] = answer.cached
            span.attributes["gen_ai.usage.input_tokens"] = answer.usage.inputTokens
            span.attributes["gen_ai.usage.output_tokens"] = answer.usage.outputTokens
        }
        if let failure, !Self.isCallerMistake(failure) {
            span.setStatus(.init(code: .error, message: failure.message))
        }
    }

    /// The status the door answers with: the HTTP status code (a number, as the access log of
    /// other routes writes it), or the gRPC status code's name.
    static func status(_ failure: PoolError?, api: RequestAPI) -> Logger.MetadataValue {
        switch api {
        case .grpc: return .string(failure.map { "\($0.grpcCode)" } ?? "ok")
        case .http, .openai: return .stringConvertible(failure?.httpStatus.code ?? 200)
        }
    }

    static func isCallerMistake(_ error: PoolError) -> Bool {
        switch error.code {
        case .invalidArgument, .notFound, .payloadTooLarge, .contextLengthExceeded, .unauthenticated, .permissionDenied,
            .resourceExhausted, .cancelled:
            return true
        default:
            return false
        }
    }
}
