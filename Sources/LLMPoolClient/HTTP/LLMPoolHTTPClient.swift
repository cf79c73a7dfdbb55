import AsyncHTTPClient
import Foundation
import LLMPoolProto
import NIOCore
import NIOHTTP1
import SwiftProtobuf

/// A client of llm-pool's native HTTP API (`/v1/infer`, `/v1/infer/stream`, `/readyz`) on
/// AsyncHTTPClient. Queries and answers are the generated `vvtv.llmpool.v1` messages, sent in
/// their proto3 JSON mapping, so the HTTP and gRPC clients take and return the same types.
///
/// ```swift
/// let credentials = Credentials.hmac(keyID: "team-a", secret: "s3cret")
/// let pool = LLMPoolHTTPClient(baseURL: "http://127.0.0.1:7071", credentials: credentials)
/// let answer = try await pool.infer(.with { $0.task = "expand_queries"; $0.input = "swift" })
/// try await pool.inferStream(.with { $0.task = "recovery_plan"; $0.input = "HTTP 429" }) { events in
///     for try await event in events { print(event) }
/// }
/// ```
public struct LLMPoolHTTPClient: Sendable {
    /// The server's address, such as `http://127.0.0.1:7071`.
    public var baseURL: String
    /// Credentials for a protected pool.
    public var credentials: Credentials?
    /// When to retry.
    public var retry: RetryPolicy
    /// The longest a call may take, a stream's whole body included. Default 30 s.
    public var timeout: Duration
    /// Sent as `x-llm-pool-tenant` (pools without credentials).
    public var tenant: String?
    private let httpClient: HTTPClient

    /// Creates a client.
    public init(
        baseURL: String = "http://127.0.0.1:7071",
        credentials: Credentials? = nil,
        retry: RetryPolicy = .defaults,
        timeout: Duration = .seconds(30),
        tenant: String? = nil,
        httpClient: HTTPClient = .shared
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credentials = credentials
        self.retry = retry
        self.timeout = timeout
        self.tenant = tenant
        self.httpClient = httpClient
    }

    /// `POST /v1/infer`.
    /// - Throws: ``LLMPoolClientError`` with the server's code, message and `param`.
    public func infer(_ query: Vvtv_Llmpool_V1_Query) async throws -> Vvtv_Llmpool_V1_Answer {
        let response = try await send(.POST, "/v1/infer", body: Array(try query.jsonUTF8Data()))
        let bytes = try await collect(response)
        return try decode(Vvtv_Llmpool_V1_Answer.self, bytes, response)
    }

    /// `POST /v1/infer/stream`: hands `body` the stream's events, read as `body` asks for them.
    /// Errors before the stream starts throw from here (after retries); a failure during the
    /// stream throws from the sequence.
    public func inferStream<Result: Sendable>(
        _ query: Vvtv_Llmpool_V1_Query,
        _ body: (AnswerEvents<SSEAnswerChunks>) async throws -> Result
    ) async throws -> Result {
        let response = try await send(.POST, "/v1/infer/stream", body: Array(try query.jsonUTF8Data()))
        let chunks = SSEAnswerChunks(body: response.body, requestID: response.headers.first(name: "x-request-id"))
        return try await body(AnswerEvents(base: chunks))
    }

    /// `GET /readyz` as a `PoolHealth` (`SERVING` or `NOT_SERVING`); not ready is a value, not an error.
    public func health() async throws -> Vvtv_Llmpool_V1_PoolHealth {
        struct Readiness: Decodable {
            struct Provider: Decodable {
                var name: String
                var model: String
                var healthy: Bool
                var breaker: String
                var detail: String?
            }
            var status: String
            var providers: [Provider]
            var unservedTasks: [String]
            enum CodingKeys: String, CodingKey {
                case status, providers
                case unservedTasks = "unserved_tasks"
            }
        }
        let response = try await send(.GET, "/readyz", body: nil)
        let bytes = try await collect(response)
        let readiness: Readiness
        do {
            readiness = try JSONDecoder().decode(Readiness.self, from: Data(bytes))
        } catch {
            throw LLMPoolClientError(code: .invalidResponse, message: "unreadable /readyz answer", cause: error)
        }
        return .with { health in
            health.status = readiness.status == "ready" ? .serving : .notServing
            health.unservedTasks = readiness.unservedTasks
            health.providers = readiness.providers.map { provider in
                .with {
                    $0.name = provider.name
                    $0.model = provider.model
                    $0.healthy = provider.healthy
                    $0.breakerState = provider.breaker
                    $0.detail = provider.detail ?? ""
                }
            }
        }
    }

    /// Sends a request, retrying as ``retry`` allows; returns a response whose status is below 400
    /// (or `/readyz`'s 503).
    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            let failure: LLMPoolClientError
            do {
                let response = try await httpClient.execute(request(method, path, body: body), timeout: .init(timeout))
                let status = Int(response.status.code)
                if status < 400 || (path == "/readyz" && status == 503) { return response }
                let bytes = Array(try await response.body.collect(upTo: 1 << 20).readableBytesView)
                failure = LLMPoolClientError(
                    errorBody: bytes,
                    status: status,
                    requestID: response.headers.first(name: "x-request-id"),
                    headers: response.headers
                )
            } catch let error as LLMPoolClientError {
                throw error
            } catch {
                failure = LLMPoolClientError(
                    code: .transport,
                    message: "\(method) \(baseURL)\(path): \(error)",
                    cause: error
                )
            }
            guard let delay = retry.delay(attempt: attempt, after: failure) else { throw failure }
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }

    /// A request signed for this attempt (a fresh nonce each time).
    private func request(_ method: HTTPMethod, _ path: String, body: [UInt8]?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "accept", value: "application/json")
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let tenant { request.headers.add(name: "x-llm-pool-tenant", value: tenant) }
        if let credentials {
            // The signature covers the path the server sees: a base URL's own path prefix included.
            let prefix = URLComponents(string: baseURL)?.percentEncodedPath ?? ""
            for header in credentials.headers(method: method.rawValue, path: prefix + path, body: body ?? []) {
                request.headers.add(name: header.name, value: header.value)
            }
        }
        return request
    }

    private func collect(_ response: HTTPClientResponse) async throws -> [UInt8] {
        do {
            return Array(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        } catch {
            throw LLMPoolClientError(code: .transport, message: "reading the answer failed: \(error)", cause: error)
        }
    }

    private func decode<Message: SwiftProtobuf.Message>(
        _ type: Message.Type,
        _ bytes: [UInt8],
        _ response: HTTPClientResponse
    ) throws -> Message {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        do {
            return try Message(jsonUTF8Data: Data(bytes), options: options)
        } catch {
            throw LLMPoolClientError(
                code: .invalidResponse,
                message: "not a \(Message.protoMessageName): \(String(decoding: bytes.prefix(200), as: UTF8.self))",
                status: Int(response.status.code),
                requestID: response.headers.first(name: "x-request-id"),
                cause: error
            )
        }
    }
}
