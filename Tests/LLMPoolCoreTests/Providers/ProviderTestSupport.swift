import AsyncHTTPClient
import Foundation
import LLMPoolCore
import LLMPoolSimulator
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// Shared set-up for the provider and simulator tests: an HTTP client, providers pointed at a
/// simulator, and raw HTTP calls.
enum ProviderTestSupport {
    /// Runs `body` with an HTTP client configured as the pool configures it, then shuts it down.
    static func withClient<Value: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPClient) async throws -> Value
    ) async throws -> Value {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: ProviderFactory.recommendedHTTPClientConfiguration()
        )
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// A provider configuration for a simulated model.
    static func configuration(
        _ kind: ProviderConfiguration.Kind,
        baseURL: String,
        model: String,
        name: String? = nil,
        timeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(10),
        apiKeyEnv: String? = nil,
        endpoint: ProviderConfiguration.OllamaEndpoint = .chat
    ) -> ProviderConfiguration {
        var configuration = ProviderConfiguration(
            name: name ?? "\(kind.rawValue)-\(model)",
            kind: kind,
            baseURL: baseURL,
            model: model,
            timeout: timeout,
            apiKeyEnv: apiKeyEnv,
            ollamaEndpoint: endpoint
        )
        configuration.idleTimeout = idleTimeout
        return configuration
    }

    /// A one-message request.
    static func request(
        _ text: String,
        system: String? = nil,
        maxTokens: Int = 64,
        timeout: Duration = .seconds(10),
        headers: [String: String] = [:]
    ) -> ProviderRequest {
        let messages = (system.map { [ChatMessage.system($0)] } ?? []) + [.user(text)]
        return ProviderRequest(
            messages: messages,
            maxTokens: maxTokens,
            temperature: 0,
            timeout: timeout,
            headers: headers
        )
    }

    /// Streams a completion, collecting its deltas and its final response.
    static func collect(_ provider: some Provider, _ request: ProviderRequest) async throws -> (
        deltas: [String], response: ProviderResponse
    ) {
        let deltas = Deltas()
        let response = try await provider.stream(request) { deltas.append($0) }
        return (deltas.all, response)
    }

    /// The deltas a stream delivered so far.
    final class Deltas: Sendable {
        private let pieces = Mutex<[String]>([])

        func append(_ piece: String) { pieces.withLock { $0.append(piece) } }
        var all: [String] { pieces.withLock { $0 } }
    }

    /// A raw HTTP exchange: status, headers and the whole body as text.
    struct RawResponse: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        /// The body parsed as a JSON object.
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                throw CocoaError(.coderInvalidValue)
            }
            return object
        }
    }

    /// Sends a raw request.
    static func send(
        _ client: HTTPClient,
        _ method: HTTPMethod,
        _ url: String,
        json: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 22)
        return RawResponse(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }
}

/// What a stream consumer throws when its client went away.
struct ClientGone: Error {}
