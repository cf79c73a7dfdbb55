/// An error raised by llm-pool, carrying a stable ``Code``, a message a person can act on and an
/// optional underlying cause.
///
/// Front doors map the code to a transport status in one place each (`PoolError+HTTP.swift`,
/// `PoolError+GRPC.swift`).
public struct PoolError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct wrapping a private enum so that codes can be added without
    /// breaking exhaustive switches in user code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidArgument = "invalid_argument"
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
            case invalidConfiguration = "invalid_configuration"
            case contextLengthExceeded = "context_length_exceeded"
            case `internal` = "internal"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The request is malformed or a field is out of range.
        public static let invalidArgument = Code(.invalidArgument)
        /// The task or model the request names is not configured.
        public static let notFound = Code(.notFound)
        /// The path exists but not for the request's method.
        public static let methodNotAllowed = Code(.methodNotAllowed)
        /// The prompt or body is larger than the configured limit.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// The request's deadline passed before an answer was ready.
        public static let deadlineExceeded = Code(.deadlineExceeded)
        /// No healthy provider could serve the request.
        public static let unavailable = Code(.unavailable)
        /// A provider answered with an error or an unreadable response.
        public static let upstreamFailed = Code(.upstreamFailed)
        /// A rate limit or quota was exceeded.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// The caller did not prove who it is.
        public static let unauthenticated = Code(.unauthenticated)
        /// The caller is known but not allowed.
        public static let permissionDenied = Code(.permissionDenied)
        /// The ensemble's answers did not agree.
        public static let noConsensus = Code(.noConsensus)
        /// The caller went away.
        public static let cancelled = Code(.cancelled)
        /// The configuration is invalid.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A bug or an unexpected state.
        public static let `internal` = Code(.internal)
        /// The prompt and the tokens asked for do not fit the model's context window (a provider
        /// said so, as OpenAI's `context_length_exceeded`): the request's fault, like
        /// ``invalidArgument``.
        public static let contextLengthExceeded = Code(.contextLengthExceeded)

        /// The code as a short snake_case string, used in logs, metrics and error bodies.
        public var description: String { wrapped.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A message a person can act on. Never contains secrets.
    public var message: String
    /// The error that caused this one, if any.
    public var cause: (any Error)?
    /// The request field at fault (`task`, `messages[1].role`), when one is: the OpenAI error
    /// body's `param`.
    public var param: String?
    /// How long the source of the error asked to be left alone (an upstream `429` or `503` with
    /// `Retry-After`), when it did.
    public var retryAfter: Duration?

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        cause: (any Error)? = nil,
        param: String? = nil,
        retryAfter: Duration? = nil
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.param = param
        self.retryAfter = retryAfter
    }

    public var description: String {
        if let cause { return "\(code): \(message) (cause: \(cause))" }
        return "\(code): \(message)"
    }

    /// Whether another provider might succeed where this one failed.
    public var isRetryable: Bool {
        code == .upstreamFailed || code == .unavailable
    }

    /// Whether the request itself is at fault (malformed, unknown model, too large for the
    /// model's context): it would fail the same way on any provider, so it is neither retried
    /// nor counted against a provider's circuit breaker, and reaches the client as a 4xx.
    public var isCallerFault: Bool {
        switch code {
        case .invalidArgument, .notFound, .payloadTooLarge, .contextLengthExceeded: true
        default: false
        }
    }
}

extension PoolError {
    static func invalidArgument(_ message: String) -> PoolError { .init(code: .invalidArgument, message: message) }
    static func notFound(_ message: String) -> PoolError { .init(code: .notFound, message: message) }
}
