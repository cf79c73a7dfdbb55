import AsyncHTTPClient
import Foundation
import LLMPoolObservability
import LLMPoolSimulator
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Raw HTTP calls to a ``ProviderSimulator`` for the simulator's own tests, independent of the
/// providers under test elsewhere.
enum SimulatorTestClient {
    /// A response: status, headers and the whole body as text.
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        /// The body parsed as a JSON object.
        func json() throws -> [String: Any] { try SimulatorTestClient.object(body) }

        /// The JSON objects of a server-sent-events body, `[DONE]` left out.
        func events() throws -> [[String: Any]] {
            try eventLines.filter { $0 != "[DONE]" }.map(SimulatorTestClient.object)
        }

        /// The `data:` payloads of a server-sent-events body, in order.
        var eventLines: [String] {
            body.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { String($0.dropFirst("data: ".count)) }
        }

        /// The JSON objects of an NDJSON body.
        func lines() throws -> [[String: Any]] {
            try body.split(separator: "\n").map { try SimulatorTestClient.object(String($0)) }
        }
    }

    /// Thrown when a condition on the stats does not hold in time.
    struct TimedOut: Error, CustomStringConvertible {
        var stats: SimulatorStats
        var description: String { "stats condition not met in time; stats: \(stats)" }
    }

    /// Runs `body` with an HTTP client, then shuts it down.
    static func withClient<Value: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPClient) async throws -> Value
    ) async throws -> Value {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Sends a request and reads the whole response.
    static func send(
        _ client: HTTPClient,
        _ method: HTTPMethod,
        _ url: String,
        json: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await client.execute(request, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        let body = try await response.body.collect(upTo: 1 << 22)
        return Response(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    /// Waits until one model's counters satisfy `condition`, failing after `limit`.
    @discardableResult
    static func waitFor(
        _ simulator: ProviderSimulator,
        _ model: String,
        within limit: Duration = .seconds(10),
        _ condition: @escaping @Sendable (SimulatorStats.Model) -> Bool
    ) async throws -> SimulatorStats.Model {
        let stats = try await withThrowingTaskGroup(of: SimulatorStats.self) { group in
            group.addTask { try await simulator.waitForStats { $0.models[model].map(condition) ?? false } }
            group.addTask {
                try await Task.sleep(for: limit)
                throw TimedOut(stats: simulator.stats())
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        return stats.models[model] ?? .init()
    }

    /// A one-message chat body, the same for `/v1/chat/completions` and `/api/chat`; `extra` is
    /// appended to the object (`,"max_tokens":3`).
    static func chat(model: String, _ text: String, stream: Bool = false, extra: String = "") -> String {
        #"{"model":"\#(model)","stream":\#(stream),"messages":[{"role":"user","content":"\#(text)"}]\#(extra)}"#
    }

    static func object(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw CocoaError(.coderInvalidValue)
        }
        return object
    }
}
