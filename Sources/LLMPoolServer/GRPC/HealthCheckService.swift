import GRPCCore
import LLMPoolCore
import LLMPoolProto
import SwiftProtobuf

/// The standard `grpc.health.v1.Health` service, driven by provider health.
///
/// Service names: `""` (the whole server) and `vvtv.llmpool.v1.LlmPool` are SERVING when every
/// task has a healthy provider and NOT_SERVING otherwise; `grpc.health.v1.Health` is always
/// SERVING. Other names get NOT_FOUND from `Check` and SERVICE_UNKNOWN from `Watch`, as the
/// protocol specifies.
public struct HealthCheckService: Grpc_Health_V1_Health.ServiceProtocol {
    let orchestrator: Orchestrator
    let monitor: ProviderHealthMonitor
    let watchInterval: Duration

    /// Creates the service.
    public init(orchestrator: Orchestrator, monitor: ProviderHealthMonitor, watchInterval: Duration = .seconds(1)) {
        self.orchestrator = orchestrator
        self.monitor = monitor
        self.watchInterval = watchInterval
    }

    static let poolService = "vvtv.llmpool.v1.LlmPool"

    func status(for service: String) async -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        switch service {
        case "grpc.health.v1.Health": return .serving
        case "", Self.poolService:
            let snapshot = orchestrator.snapshot
            let report = ReadinessReport(
                snapshot: snapshot,
                statuses: await monitor.statuses(for: snapshot.providers),
                breakers: orchestrator.resilience.breakers.states
            )
            return report.ready ? .serving : .notServing
        default: return nil
        }
    }

    public func check(
        request: ServerRequest<Grpc_Health_V1_HealthCheckRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Grpc_Health_V1_HealthCheckResponse> {
        guard let status = await status(for: request.message.service) else {
            return ServerResponse(
                error: RPCError(code: .notFound, message: "unknown service '\(request.message.service)'")
            )
        }
        return ServerResponse(message: .with { $0.status = status })
    }

    public func watch(
        request: ServerRequest<Grpc_Health_V1_HealthCheckRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Grpc_Health_V1_HealthCheckResponse> {
        let service = request.message.service
        let cancellation = context.cancellation
        return StreamingServerResponse { writer in
            var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
            // Sends the current status, then each change, until the client goes away.
            while !Task.isCancelled, !cancellation.isCancelled {
                let status = await status(for: service) ?? .serviceUnknown
                if status != last {
                    try await writer.write(.with { $0.status = status })
                    last = status
                }
                try await Task.sleep(for: watchInterval)
            }
            return [:]
        }
    }
}
