/// An error raised by ``RedisClient`` and the types built on it.
///
/// Messages never contain the password of the Redis URL.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct wrapping a private enum so that codes can be added without
    /// breaking exhaustive switches in user code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidConfiguration = "invalid_configuration"
            case connectionFailed = "connection_failed"
            case connectionClosed = "connection_closed"
            case timeout = "timeout"
            case authenticationFailed = "authentication_failed"
            case serverError = "server_error"
            case protocolError = "protocol_error"
            case unexpectedReply = "unexpected_reply"
            case shutdown = "shutdown"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The URL or another setting of ``RedisConfiguration`` is invalid.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The TCP connection could not be opened (refused, unreachable, or the connect timeout passed).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection closed before the reply arrived.
        public static let connectionClosed = Code(.connectionClosed)
        /// Redis did not reply within the command timeout; the connection was closed.
        public static let timeout = Code(.timeout)
        /// Redis rejected the password (`WRONGPASS`) or requires one (`NOAUTH`).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// Redis replied with an error (the message is Redis's own, such as `ERR …` or `NOSCRIPT …`).
        public static let serverError = Code(.serverError)
        /// The bytes Redis sent are not valid RESP2.
        public static let protocolError = Code(.protocolError)
        /// The reply is valid RESP but not of the shape the command expects.
        public static let unexpectedReply = Code(.unexpectedReply)
        /// The client was shut down.
        public static let shutdown = Code(.shutdown)

        /// The code as a short snake_case string, for logs and metrics.
        public var description: String { wrapped.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, in words a person can act on.
    public var message: String
    /// The error that caused this one, if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "redis \(code): \(message) (cause: \(cause))" }
        return "redis \(code): \(message)"
    }
}
