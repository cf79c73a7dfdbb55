import Foundation

/// A failed call of ``LLMPoolHTTPClient`` or ``LLMPoolGRPCClient``: llm-pool's error code (from the
/// OpenAI-shaped error body, or the gRPC status and its `llm-pool-error` trailer), the server's
/// message, and what the server said about retrying.
public struct LLMPoolClientError: Error, CustomStringConvertible, Sendable {
    /// What failed. Server codes keep the names of the error bodies (`invalid_argument`, …).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case invalidArgument = "invalid_argument"
            case contextLengthExceeded = "context_length_exceeded"
            case notFound = "not_found"
            case methodNotAllowed = "method_not_allowed"
            case payloadTooLarge = "payload_too_large"
            case deadlineExceeded = "deadline_exceeded"
            case unavailable = "unavailable"
            case upstreamFailed = "upstream_failed"
            case resourceExhausted = "resource_exhausted"
            case unauthenticated = "unauthenticated"
            case permissionDenied = "permission_denied"
            case noConsensus = "no_consensus"
            case cancelled = "cancelled"
            case `internal` = "internal"
            case transport = "transport"
            case invalidResponse = "invalid_response"
            case unknown = "unknown"
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The code named `name` in an error body or trailer; `nil` for a name this client does not know.
        public init?(serverName name: String) {
            guard let wrapped = Wrapped(rawValue: name) else { return nil }
            self.wrapped = wrapped
        }

        /// 400 / INVALID_ARGUMENT.
        public static let invalidArgument = Code(.invalidArgument)
        /// 400 `context_length_exceeded`.
        public static let contextLengthExceeded = Code(.contextLengthExceeded)
        /// 404 / NOT_FOUND.
        public static let notFound = Code(.notFound)
        /// 405 / UNIMPLEMENTED.
        public static let methodNotAllowed = Code(.methodNotAllowed)
        /// 413.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// 504 / DEADLINE_EXCEEDED.
        public static let deadlineExceeded = Code(.deadlineExceeded)
        /// 503 / UNAVAILABLE.
        public static let unavailable = Code(.unavailable)
        /// 502.
        public static let upstreamFailed = Code(.upstreamFailed)
        /// 429 / RESOURCE_EXHAUSTED.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// 401 / UNAUTHENTICATED.
        public static let unauthenticated = Code(.unauthenticated)
        /// 403 / PERMISSION_DENIED.
        public static let permissionDenied = Code(.permissionDenied)
        /// 422 / ABORTED.
        public static let noConsensus = Code(.noConsensus)
        /// 499 / CANCELLED.
        public static let cancelled = Code(.cancelled)
        /// 500 / INTERNAL.
        public static let `internal` = Code(.internal)
        /// The server could not be reached, or the connection broke.
        public static let transport = Code(.transport)
        /// The server answered something this client cannot read.
        public static let invalidResponse = Code(.invalidResponse)
        /// Anything else.
        public static let unknown = Code(.unknown)

        public var description: String { wrapped.rawValue }
    }

    /// What failed.
    public var code: Code
    /// The server's message, or the transport's.
    public var message: String
    /// The HTTP status, for HTTP calls.
    public var status: Int?
    /// The request field to blame, when the server named one.
    public var param: String?
    /// The request's `X-Request-Id`.
    public var requestID: String?
    /// How long the server asked the client to wait (`Retry-After`, or an exhausted
    /// `x-ratelimit-reset-*`).
    public var retryAfter: Duration?
    /// The underlying error, if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        status: Int? = nil,
        param: String? = nil,
        requestID: String? = nil,
        retryAfter: Duration? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.param = param
        self.requestID = requestID
        self.retryAfter = retryAfter
        self.cause = cause
    }

    public var description: String {
        let status = self.status.map { "HTTP \($0) " } ?? ""
        return "\(status)\(code): \(message)"
    }

    /// The code an HTTP status stands for when the body names none.
    static func code(forHTTPStatus status: Int) -> Code {
        switch status {
        case 400: return .invalidArgument
        case 401: return .unauthenticated
        case 403: return .permissionDenied
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 413: return .payloadTooLarge
        case 422: return .noConsensus
        case 429: return .resourceExhausted
        case 499: return .cancelled
        case 502: return .upstreamFailed
        case 503: return .unavailable
        case 504: return .deadlineExceeded
        case 500...599: return .internal
        default: return .unknown
        }
    }
}
