import LLMPoolCore
import LLMPoolObservability
import Logging
import ServiceLifecycle

/// Sends one 1-token request to every provider with `warmup = true` when the server starts, so
/// the backend loads its model before the first user request pays for it (Ollama takes 20–30 s
/// to load a model into memory). The requests run concurrently and do not hold up start-up; each
/// result is logged with its duration. Then the service waits for shutdown.
struct ProviderWarmup: Service {
    let providers: [any Provider]
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for provider in providers {
                    group.addTask { await warm(provider) }
                }
            }
        }
        try? await gracefulShutdown()
    }

    private func warm(_ provider: any Provider) async {
        let start = ContinuousClock.now
        let request = ProviderRequest(
            messages: [ChatMessage(role: "user", content: "hi")],
            maxTokens: 1,
            temperature: 0,
            timeout: timeout,
            task: "warmup"
        )
        do {
            _ = try await provider.complete(request)
            logger.info(
                "provider warmed up",
                metadata: [
                    "provider": .string(provider.name),
                    "latency_ms": .stringConvertible(Int(start.duration(to: .now).fractionalMilliseconds)),
                ]
            )
        } catch {
            logger.warning(
                "provider warm-up failed",
                metadata: ["provider": .string(provider.name), "error": .string("\(error)")]
            )
        }
    }
}
