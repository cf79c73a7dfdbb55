import Hummingbird
import LLMPoolCore

/// `GET /healthz` (the process is up) and `GET /readyz` (every task has a healthy provider).
struct HealthRoutes {
    let orchestrator: Orchestrator
    let monitor: ProviderHealthMonitor

    func register(on router: Router<PoolRequestContext>) {
        router.get("/healthz") { _, context in
            try HTTPJSON.response(["status": "ok"], requestID: context.requestID)
        }
        router.get("/readyz") { _, context in
            let snapshot = orchestrator.snapshot
            let report = ReadinessReport(
                snapshot: snapshot,
                statuses: await monitor.statuses(for: snapshot.providers),
                breakers: orchestrator.resilience.breakers.states
            )
            let providers: [[String: Any]] = report.providers.map {
                [
                    "name": $0.provider, "model": $0.model, "healthy": $0.health.healthy, "detail": $0.health.detail,
                    "breaker": orchestrator.resilience.breakers.state(of: $0.provider).description,
                ]
            }
            let body: [String: Any] = [
                "status": report.ready ? "ready" : "not_ready",
                "unserved_tasks": report.unservedTasks,
                "providers": providers,
            ]
            return try HTTPJSON.response(
                body,
                status: report.ready ? .ok : .serviceUnavailable,
                requestID: context.requestID
            )
        }
    }
}
