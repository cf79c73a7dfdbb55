import GRPCCore
import LLMPoolCore
import LLMPoolObservability
import LLMPoolProto
import Logging
import SwiftProtobuf
import Tracing

/// The `vvtv.llmpool.v1.LlmPool` service over the orchestrator.
///
/// The gRPC deadline (`grpc-timeout`) becomes the query's deadline when it is shorter than
/// `deadline_ms`; a cancelled RPC cancels its provider calls. `x-request-id` is accepted (or
/// generated) and echoed in the response metadata.
public struct LlmPoolService: Vvtv_Llmpool_V1_LlmPool.ServiceProtocol {
    let orchestrator: Orchestrator
    let monitor: ProviderHealthMonitor
    let logger: Logger

    /// Creates the service.
    public init(orchestrator: Orchestrator, monitor: ProviderHealthMonitor, logger: Logger) {
        self.orchestrator = orchestrator
        self.monitor = monitor
        self.logger = logger
    }

    public func infer(
        request: ServerRequest<Vvtv_Llmpool_V1_Query>,
        context: ServerContext
    ) async throws -> ServerResponse<Vvtv_Llmpool_V1_Answer> {
        let requestID = Self.requestID(request.metadata)
        return await withServerSpan("vvtv.llmpool.v1.LlmPool/Infer", metadata: request.metadata, requestID: requestID) {
            span in
            let start = ContinuousClock.now
            let inference: InferenceRequest
            do {
                inference = try Self.inference(request.message, metadata: request.metadata, requestID: requestID)
            } catch {
                orchestrator.recordRejected(api: .grpc, error: error)
                return failure(error, requestID: requestID, task: request.message.task, start: start, span: span)
            }
            do {
                let answer = try await orchestrator.infer(inference)
                log(
                    requestID: requestID,
                    method: "Infer",
                    task: inference.task,
                    answer: answer,
                    code: "ok",
                    start: start
                )
                return ServerResponse(
                    message: Vvtv_Llmpool_V1_Answer(answer),
                    metadata: ["x-request-id": .string(requestID)]
                )
            } catch {
                return failure(error, requestID: requestID, task: inference.task, start: start, span: span)
            }
        }
    }

    private func failure(
        _ error: any Error,
        requestID: String,
        task: String,
        start: ContinuousClock.Instant,
        span: RecordedSpan?
    ) -> ServerResponse<Vvtv_Llmpool_V1_Answer> {
        let rpcError = PoolError.rpcError(from: error)
        log(requestID: requestID, method: "Infer", task: task, answer: nil, code: "\(rpcError.code)", start: start)
        span?.attributes["rpc.grpc.status_code"] = rpcError.code.rawValue
        span?.setStatus(.init(code: .error, message: rpcError.message))
        var metadata = rpcError.metadata
        metadata.addString(requestID, forKey: "x-request-id")
        return ServerResponse(error: RPCError(code: rpcError.code, message: rpcError.message, metadata: metadata))
    }

    /// Runs `body` in a server span continuing the caller's `traceparent` metadata.
    private func withServerSpan<T>(
        _ name: String,
        metadata: Metadata,
        requestID: String,
        _ body: (RecordedSpan?) async -> T
    ) async -> T {
        let telemetry = orchestrator.telemetry
        guard telemetry.isEnabled else { return await body(nil) }
        var parent = ServiceContext.current ?? .topLevel
        telemetry.tracer.extract(metadata, into: &parent, using: GRPCMetadataExtractor())
        let span = telemetry.tracer.startSpan(name, context: parent, ofKind: .server)
        if span.isRecording {
            span.attributes["rpc.system"] = "grpc"
            span.attributes["rpc.method"] = name
            span.attributes["llm_pool.request_id"] = requestID
        }
        defer { span.end() }
        return await ServiceContext.withValue(span.context) { await body(span) }
    }

    public func inferStream(
        request: ServerRequest<Vvtv_Llmpool_V1_Query>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Vvtv_Llmpool_V1_AnswerChunk> {
        let requestID = Self.requestID(request.metadata)
        let inference: InferenceRequest
        do {
            inference = try Self.inference(request.message, metadata: request.metadata, requestID: requestID)
        } catch {
            orchestrator.recordRejected(api: .grpc, error: error)
            return StreamingServerResponse(error: PoolError.rpcError(from: error))
        }
        let orchestrator = self.orchestrator
        let metadata = request.metadata
        return StreamingServerResponse(metadata: ["x-request-id": .string(requestID)]) { writer in
            try await withServerSpan("vvtv.llmpool.v1.LlmPool/InferStream", metadata: metadata, requestID: requestID) {
                span -> Result<Metadata, RPCError> in
                do {
                    _ = try await orchestrator.stream(inference) { event in
                        try await writer.write(Vvtv_Llmpool_V1_AnswerChunk(event))
                    }
                    return .success([:])
                } catch {
                    let rpcError = PoolError.rpcError(from: error)
                    span?.setStatus(.init(code: .error, message: rpcError.message))
                    return .failure(rpcError)
                }
            }.get()
        }
    }

    public func health(
        request: ServerRequest<Vvtv_Llmpool_V1_HealthRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Vvtv_Llmpool_V1_PoolHealth> {
        let snapshot = orchestrator.snapshot
        let report = ReadinessReport(snapshot: snapshot, statuses: await monitor.check(snapshot.providers))
        var health = Vvtv_Llmpool_V1_PoolHealth()
        let unhealthy = report.providers.contains { !$0.health.healthy }
        health.status = !report.ready ? .notServing : (unhealthy ? .degraded : .serving)
        health.unservedTasks = report.unservedTasks
        health.providers = report.providers.map { status in
            .with {
                $0.name = status.provider
                $0.model = status.model
                $0.healthy = status.health.healthy
                $0.breakerState = orchestrator.resilience.breakers.state(of: status.provider).description
                $0.detail = status.health.detail
            }
        }
        return ServerResponse(message: health)
    }

    static func requestID(_ metadata: Metadata) -> String {
        for value in metadata["x-request-id"] {
            if case .string(let id) = value, !id.isEmpty, id.utf8.count <= 128 { return id }
        }
        return RequestIDGenerator.next()
    }

    static func inference(_ query: Vvtv_Llmpool_V1_Query, metadata: Metadata, requestID: String) throws
        -> InferenceRequest
    {
        var inference = try query.inferenceRequest(requestID: requestID)
        inference.api = .grpc
        if let tenant = AuthenticatedPrincipal.current?.tenant { inference.tenant = tenant }
        if let timeout = GRPCTimeout.parse(metadata), timeout > .zero {
            inference.deadline = min(inference.deadline ?? timeout, timeout)
        }
        return inference
    }

    private func log(
        requestID: String,
        method: String,
        task: String,
        answer: InferenceAnswer?,
        code: String,
        start: ContinuousClock.Instant
    ) {
        var metadata: Logger.Metadata = [
            "request_id": .string(requestID), "api": "grpc", "method": .string(method), "task": .string(task),
            "status": .string(code),
            "latency_ms": .stringConvertible(
                (start.duration(to: .now).fractionalMillisecondsValue * 100).rounded() / 100
            ),
        ]
        if let answer {
            metadata["model"] = .string(answer.model)
            metadata["strategy"] = .string(answer.strategy.rawValue)
            metadata["cache"] = .string(answer.cached ? "hit" : "miss")
        }
        logger.info("request", metadata: metadata)
    }
}

/// Reads W3C trace context from gRPC request metadata.
struct GRPCMetadataExtractor: Extractor {
    func extract(key: String, from carrier: Metadata) -> String? {
        for value in carrier[key] {
            if case .string(let text) = value { return text }
        }
        return nil
    }
}
