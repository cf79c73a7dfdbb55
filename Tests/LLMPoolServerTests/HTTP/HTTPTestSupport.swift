import Foundation
import Hummingbird
import HummingbirdTesting
import LLMPoolCore
import LLMPoolServer
import LLMPoolTesting
import Logging
import NIOCore
import NIOFoundationCompat

/// Builds an HTTP app over scripted providers for end-to-end tests.
enum HTTPTestSupport {
    static func configuration(_ providers: [ScriptedProvider]) throws -> PoolConfiguration {
        var config = PoolConfiguration()
        config.providers = providers.map {
            ProviderConfiguration(name: $0.name, kind: .ollama, baseURL: "http://127.0.0.1:1", model: $0.model)
        }
        config.tasks["expand_queries"] = TaskConfiguration(
            name: "expand_queries",
            strategy: .fastest,
            providers: providers.map(\.name),
            promptPath: "x.md",
            template: try PromptTemplate(source: "Expand: {{input}}"),
            maxTokens: 32,
            temperature: 0
        )
        config.server.maxBodyBytes = 4096
        config.qos.maxPromptBytes = 1000
        config.qos.hedging.staticDelay = .milliseconds(20)
        // Probes every 10 ms when a test runs the prober; no call stands for a probe.
        config.health.interval = .milliseconds(10)
        config.health.passiveWindow = .zero
        return config
    }

    static func app(_ providers: [ScriptedProvider]) throws -> some ApplicationProtocol {
        let components = try TestPool.components(try configuration(providers), providers: providers)
        return Application(router: components.httpServer.router())
    }

    static func json(_ object: Any) -> ByteBuffer {
        ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
    }

    static func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] ?? [:]
    }

    /// The `data:` payloads of an SSE body.
    static func events(_ buffer: ByteBuffer) -> [String] {
        String(buffer: buffer).components(separatedBy: "\n\n").compactMap { block in
            block.split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        }
    }
}
