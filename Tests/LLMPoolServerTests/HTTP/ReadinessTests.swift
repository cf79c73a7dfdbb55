import Foundation
import GRPCCore
import GRPCInProcessTransport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolProto
import LLMPoolServer
import LLMPoolTesting
import NIOCore
import SwiftProtobuf
import Testing

/// A provider whose health endpoint answers while its calls fail, as a backend whose model
/// broke does.
struct FailingButHealthy: Provider {
    let name: String
    var model: String { name }
    let system = "scripted"
    let serverAddress = "in-process"
    let supportedTasks: Set<String> = []

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        throw PoolError(code: .upstreamFailed, message: "boom")
    }

    func stream(
        _ request: ProviderRequest,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ProviderResponse {
        throw PoolError(code: .upstreamFailed, message: "boom")
    }

    func health() async -> ProviderHealth { ProviderHealth(healthy: true) }
}

/// Readiness follows the circuit breakers as well as the health probes: a task whose only
/// provider is breaker-open is unserved, and the pool is not ready.
@Suite("Readiness and breakers")
struct ReadinessTests {
    @Test("/readyz and gRPC Health report a task whose only provider's breaker is open")
    func breakerOpen() async throws {
        let a = FailingButHealthy(name: "a")
        var config = try HTTPTestSupport.configuration([ScriptedProvider(name: "a", behaviour: .hang)])
        config.qos.circuitBreaker.consecutiveFailures = 2
        config.qos.circuitBreaker.cooldown = .seconds(60)
        config.cache.enabled = false
        let components = try TestPool.components(config, providers: [a])
        await components.healthProber.probeAll()
        try await Application(router: components.httpServer.router()).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            // Health probes pass; the calls themselves fail.
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/v1/infer",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"task":"expand_queries","input":"x"}"#)
                ) { response in
                    #expect(response.status == .badGateway)
                }
            }
            #expect(components.orchestrator.resilience.breakers.state(of: "a") == .open)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try HTTPTestSupport.object(response.body)
                #expect(body["unserved_tasks"] as? [String] == ["expand_queries"])
            }
        }
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server, services: components.grpcServices())
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            try await withGRPCClient(transport: transport.client) { client in
                let health = try await Vvtv_Llmpool_V1_LlmPool.Client(wrapping: client).health(.init())
                #expect(health.status == .notServing)
                #expect(health.unservedTasks == ["expand_queries"])
                let check = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" })
                #expect(check.status == .notServing)
            }
            server.beginGracefulShutdown()
        }
    }
}
