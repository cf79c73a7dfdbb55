import GRPCCore
import LLMPoolProto
import SwiftProtobuf

/// A client of `vvtv.llmpool.v1.LlmPool` over any grpc-swift transport (HTTP/2 from
/// grpc-swift-nio-transport, or in-process), wrapping the generated client: it signs each message,
/// retries rate-limited and unavailable calls, and turns `RPCError`s into ``LLMPoolClientError``s.
///
/// ```swift
/// try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: 7070),
///                                                     transportSecurity: .plaintext)) { client in
///     let pool = LLMPoolGRPCClient(wrapping: client, credentials: .hmac(keyID: "team-a", secret: "s3cret"))
///     print(try await pool.infer(.with { $0.task = "expand_queries"; $0.input = "swift" }).text)
/// }
/// ```
public struct LLMPoolGRPCClient<Transport: ClientTransport>: Sendable {
    private let client: Vvtv_Llmpool_V1_LlmPool.Client<Transport>
    /// Credentials for a protected pool.
    public var credentials: Credentials?
    /// When to retry.
    public var retry: RetryPolicy
    /// Each call's deadline. Default 30 s.
    public var timeout: Duration
    /// Sent as `x-llm-pool-tenant` metadata.
    public var tenant: String?

    /// Wraps a running `GRPCClient`.
    public init(
        wrapping client: GRPCClient<Transport>,
        credentials: Credentials? = nil,
        retry: RetryPolicy = .defaults,
        timeout: Duration = .seconds(30),
        tenant: String? = nil
    ) {
        self.client = Vvtv_Llmpool_V1_LlmPool.Client(wrapping: client)
        self.credentials = credentials
        self.retry = retry
        self.timeout = timeout
        self.tenant = tenant
    }

    /// `Infer`.
    /// - Throws: ``LLMPoolClientError`` with the code of the `llm-pool-error` trailer.
    public func infer(_ query: Vvtv_Llmpool_V1_Query) async throws -> Vvtv_Llmpool_V1_Answer {
        try await retrying {
            try await client.infer(query, metadata: try metadata("Infer", query), options: options)
        }
    }

    /// `InferStream`: hands `body` the events as they arrive. A call refused before its first
    /// message (rate limited, unavailable) is retried; errors during the stream throw from the sequence.
    public func inferStream<Result: Sendable>(
        _ query: Vvtv_Llmpool_V1_Query,
        _ body:
            @escaping @Sendable (AnswerEvents<RPCAsyncSequence<Vvtv_Llmpool_V1_AnswerChunk, any Error>>)
            async throws -> Result
    ) async throws -> Result {
        try await retrying {
            try await client.inferStream(query, metadata: try metadata("InferStream", query), options: options) {
                response in
                // A refusal arrives as a rejected response: throw it as is, so the retry sees it.
                if case .failure(let error) = response.accepted { throw error }
                return try await body(AnswerEvents(base: response.messages))
            }
        }
    }

    /// `Health`.
    public func health() async throws -> Vvtv_Llmpool_V1_PoolHealth {
        let request = Vvtv_Llmpool_V1_HealthRequest()
        return try await retrying {
            try await client.health(request, metadata: try metadata("Health", request), options: options)
        }
    }

    private var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        return options
    }

    /// Request metadata for one attempt: tenant and credentials (HMAC over the deterministic
    /// serialization of `message`, as the server checks it).
    private func metadata(_ method: String, _ message: some SwiftProtobuf.Message) throws -> Metadata {
        var metadata = Metadata()
        if let tenant { metadata.addString(tenant, forKey: "x-llm-pool-tenant") }
        if let credentials {
            var encoding = BinaryEncodingOptions()
            encoding.useDeterministicOrdering = true
            let body: [UInt8] = try message.serializedBytes(options: encoding)
            let path = "/\(Vvtv_Llmpool_V1_LlmPool.descriptor.fullyQualifiedService)/\(method)"
            for header in credentials.headers(method: "POST", path: path, body: body) {
                metadata.addString(header.value, forKey: header.name)
            }
        }
        return metadata
    }

    private func retrying<Result>(_ call: () async throws -> Result) async throws -> Result {
        var attempt = 0
        while true {
            let failure: LLMPoolClientError
            do {
                return try await call()
            } catch let error as RPCError {
                failure = LLMPoolClientError(error)
            } catch let error as LLMPoolClientError {
                throw error
            }
            guard let delay = retry.delay(attempt: attempt, after: failure) else { throw failure }
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }
}

extension LLMPoolClientError {
    /// The error an `RPCError` describes: the `llm-pool-error` trailer's code, else the status code's.
    public init(_ error: RPCError) {
        func first(_ key: String) -> String? {
            for value in error.metadata[key] {
                if case .string(let text) = value { return text }
            }
            return nil
        }
        let code = first("llm-pool-error").flatMap(Code.init(serverName:)) ?? Self.code(for: error.code)
        self.init(
            code: code,
            message: error.message,
            requestID: first("x-request-id"),
            retryAfter: first("retry-after").flatMap(Double.init).map { .milliseconds(Int64($0 * 1000)) },
            cause: error
        )
    }

    /// The code a gRPC status stands for when the `llm-pool-error` trailer names none.
    static func code(for status: RPCError.Code) -> Code {
        switch status {
        case .invalidArgument: return .invalidArgument
        case .notFound: return .notFound
        case .unimplemented: return .methodNotAllowed
        case .deadlineExceeded: return .deadlineExceeded
        case .resourceExhausted: return .resourceExhausted
        case .unauthenticated: return .unauthenticated
        case .permissionDenied: return .permissionDenied
        case .aborted: return .noConsensus
        case .cancelled: return .cancelled
        case .internalError: return .internal
        // UNAVAILABLE without llm-pool's trailer is the transport's: nothing answered.
        case .unavailable: return .transport
        default: return .unknown
        }
    }
}
