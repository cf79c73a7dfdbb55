import GRPCCore
import LLMPoolCore
import LLMPoolObservability
import LLMPoolProto
import Logging
import SwiftProtobuf
import Tracing

/// The `vvtv.llmpool.v1.LlmPool` service: decodes each `Query` once into an ``InferenceCall``
/// and runs it through the ``Gateway`` shared with the HTTP door.
///
/// The call's deadline is the query's `deadline_ms` (or the configured default); a shorter
/// client deadline (`grpc-timeout`) is enforced by grpc-swift, which cancels the RPC, and a
/// cancelled RPC (deadline, client gone, shutdown) cancels its provider calls. `x-request-id` is
/// accepted (or generated) and echoed in the response metadata, with the `x-ratelimit-*` keys.
public struct LlmPoolService: Vvtv_Llmpool_V1_LlmPool.ServiceProtocol {
    let gateway: Gateway
    let monitor: ProviderHealthMonitor
    let maxMessageBytes: Int

    var orchestrator: Orchestrator { gateway.orchestrator }

    /// Creates the service.
    /// - Parameter maxMessageBytes: The largest `Query` accepted (`server.max_body_bytes`); a
    ///   larger one fails with RESOURCE_EXHAUSTED naming the limit.
    public init(gateway: Gateway, monitor: ProviderHealthMonitor, maxMessageBytes: Int = .max) {
        self.gateway = gateway
        self.monitor = monitor
        self.maxMessageBytes = maxMessageBytes
    }

    public func infer(
        request: ServerRequest<Vvtv_Llmpool_V1_Query>,
        context: ServerContext
    ) async throws -> ServerResponse<Vvtv_Llmpool_V1_Answer> {
        let requestID = Self.requestID(request.metadata)
        let operation = "vvtv.llmpool.v1.LlmPool/Infer"
        return await GRPCServerSpan.run(operation, metadata: request.metadata, requestID: requestID, gateway) { span in
            let admission: Admission
            switch await admit(request, requestID: requestID, operation: operation, streaming: false, span: span) {
            case .failure(let error): return ServerResponse(error: error)
            case .success(let admitted): admission = admitted
            }
            var metadata = Self.responseMetadata(requestID: requestID, admission: admission)
            do {
                let answer = try await GRPCCancellation.bind(context, metadata: request.metadata, drain: gateway.drain)
                {
                    try await gateway.infer(admission)
                }
                return ServerResponse(message: Vvtv_Llmpool_V1_Answer(answer), metadata: metadata)
            } catch {
                let rpcError = PoolError.rpcError(from: error)
                span?.attributes["rpc.grpc.status_code"] = rpcError.code.rawValue
                metadata.add(contentsOf: rpcError.metadata)
                return ServerResponse(
                    error: RPCError(code: rpcError.code, message: rpcError.message, metadata: metadata)
                )
            }
        }
    }

    public func inferStream(
        request: ServerRequest<Vvtv_Llmpool_V1_Query>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Vvtv_Llmpool_V1_AnswerChunk> {
        let requestID = Self.requestID(request.metadata)
        let operation = "vvtv.llmpool.v1.LlmPool/InferStream"
        let span = GRPCServerSpan.start(operation, metadata: request.metadata, requestID: requestID, gateway)
        let admission: Admission
        let admitted = await ServiceContext.withValue(span?.context ?? ServiceContext.current ?? .topLevel) {
            await admit(request, requestID: requestID, operation: operation, streaming: true, span: span)
        }
        switch admitted {
        case .failure(let error):
            GRPCServerSpan.end(span, error: error)
            return StreamingServerResponse(error: error)
        case .success(let value): admission = value
        }
        let opened: OpenedStream
        do {
            opened = try await ServiceContext.withValue(span?.context ?? ServiceContext.current ?? .topLevel) {
                try await self.gateway.openStream(admission)
            }
        } catch {
            let rpcError = Self.withRequestID(PoolError.rpcError(from: error), requestID)
            GRPCServerSpan.end(span, error: rpcError)
            return StreamingServerResponse(error: rpcError)
        }
        let gateway = self.gateway
        let metadata = request.metadata
        return StreamingServerResponse(metadata: Self.responseMetadata(requestID: requestID, admission: admission)) {
            writer in
            do {
                try await ServiceContext.withValue(span?.context ?? ServiceContext.current ?? .topLevel) {
                    _ = try await GRPCCancellation.bind(context, metadata: metadata, drain: gateway.drain) {
                        try await gateway.stream(opened) { event in
                            if let chunk = Vvtv_Llmpool_V1_AnswerChunk(event) { try await writer.write(chunk) }
                        }
                    }
                }
                GRPCServerSpan.end(span, error: nil)
                return [:]
            } catch {
                let rpcError = PoolError.rpcError(from: error)
                GRPCServerSpan.end(span, error: rpcError)
                throw rpcError
            }
        }
    }

    public func health(
        request: ServerRequest<Vvtv_Llmpool_V1_HealthRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Vvtv_Llmpool_V1_PoolHealth> {
        let snapshot = orchestrator.snapshot
        let report = ReadinessReport(
            snapshot: snapshot,
            statuses: await monitor.statuses(for: snapshot.providers),
            breakers: orchestrator.resilience.breakers.states
        )
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

    /// Decodes the query once and admits the call; a refusal is the RPC's error.
    private func admit(
        _ request: ServerRequest<Vvtv_Llmpool_V1_Query>,
        requestID: String,
        operation: String,
        streaming: Bool,
        span: RecordedSpan?
    ) async -> Result<Admission, RPCError> {
        let principal = AuthenticatedPrincipal.current
        let hint = RequestMessages.first(RequestGuards.tenantHeader, in: request.metadata)
        let inference: InferenceRequest
        do {
            try checkSize(request.message)
            inference = try request.message.inferenceRequest(requestID: requestID, api: .grpc)
        } catch {
            gateway.reject(
                error,
                api: .grpc,
                requestID: requestID,
                operation: operation,
                streaming: streaming,
                principal: principal,
                tenantHint: hint,
                span: span
            )
            return .failure(Self.withRequestID(PoolError.rpcError(from: error), requestID))
        }
        let call = InferenceCall(
            request: inference,
            principal: principal,
            tenantHint: hint,
            estimator: gateway.estimator,
            streaming: streaming,
            operation: operation,
            span: span
        )
        let admission = await gateway.admit(call)
        if let rejection = admission.rejection {
            var error = rejection.rpcError
            for field in admission.rateLimitFields { error.metadata.addString(field.value, forKey: field.name) }
            return .failure(Self.withRequestID(error, requestID))
        }
        return .success(admission)
    }

    /// Refuses a query over `maxMessageBytes`. The transport's own limit is set higher (it can
    /// only reset the stream); the string fields give a lower bound, so only queries near the
    /// limit are serialized to measure them.
    private func checkSize(_ query: Vvtv_Llmpool_V1_Query) throws {
        guard maxMessageBytes < .max else { return }
        var lowerBound = query.input.utf8.count + query.task.utf8.count + query.tenant.utf8.count
        lowerBound += query.requestID.utf8.count
        for (key, value) in query.metadata { lowerBound += key.utf8.count + value.utf8.count }
        guard lowerBound * 2 > maxMessageBytes else { return }
        let size = lowerBound > maxMessageBytes ? lowerBound : ((try? query.serializedBytes() as [UInt8])?.count ?? 0)
        guard size > maxMessageBytes else { return }
        throw PoolError(
            code: .payloadTooLarge,
            message: "the Query message is \(size) bytes; the limit is \(maxMessageBytes) (server.max_body_bytes)"
        )
    }

    static func responseMetadata(requestID: String, admission: Admission) -> Metadata {
        var metadata: Metadata = ["x-request-id": .string(requestID)]
        for field in admission.rateLimitFields { metadata.addString(field.value, forKey: field.name) }
        return metadata
    }

    static func withRequestID(_ error: RPCError, _ requestID: String) -> RPCError {
        var error = error
        error.metadata.addString(requestID, forKey: "x-request-id")
        return error
    }

    static func requestID(_ metadata: Metadata) -> String {
        for value in metadata["x-request-id"] {
            if case .string(let id) = value, !id.isEmpty, id.utf8.count <= 128 { return id }
        }
        return RequestIDGenerator.next()
    }
}
