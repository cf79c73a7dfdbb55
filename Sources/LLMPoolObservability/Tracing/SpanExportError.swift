/// Why a batch of spans could not be exported.
public struct SpanExportError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure it is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case timeout
            case httpStatus
            case transport
            case encoding
        }

        private let value: Value

        /// The export, retries included, took longer than the export timeout.
        public static let timeout = Code(value: .timeout)
        /// The collector answered with a status that is not 2xx (after retries, for retryable ones).
        public static let httpStatus = Code(value: .httpStatus)
        /// The request could not be sent or its response read.
        public static let transport = Code(value: .transport)
        /// The spans could not be serialized.
        public static let encoding = Code(value: .encoding)

        public var description: String {
            switch value {
            case .timeout: "timeout"
            case .httpStatus: "http status"
            case .transport: "transport"
            case .encoding: "encoding"
            }
        }
    }

    /// What kind of failure it is.
    public var code: Code
    /// What happened.
    public var message: String
    /// The collector's HTTP status, for ``Code/httpStatus``.
    public var httpStatus: Int?
    /// The underlying error, if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, httpStatus: Int? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.cause = cause
    }

    public var description: String {
        var text = "span export failed (\(code)): \(message)"
        if let cause { text += " (\(cause))" }
        return text
    }
}
