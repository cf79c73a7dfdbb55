/// A tracing setting that cannot be used, from TOML or from an `OTEL_*` environment variable.
public struct TracingConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case invalidValue
            case unsupported
        }

        private let value: Value

        /// The value cannot be parsed or is out of range.
        public static let invalidValue = Code(value: .invalidValue)
        /// The value is valid OpenTelemetry but llm-pool does not implement it (a gRPC exporter, say).
        public static let unsupported = Code(value: .unsupported)

        public var description: String {
            switch value {
            case .invalidValue: "invalid value"
            case .unsupported: "unsupported"
            }
        }
    }

    /// What kind of problem it is.
    public var code: Code
    /// The TOML key path or environment variable, such as `tracing.sampler_ratio` or `OTEL_TRACES_SAMPLER`.
    public var key: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(code: Code, key: String, message: String) {
        self.code = code
        self.key = key
        self.message = message
    }

    static func invalidValue(key: String, _ message: String) -> Self {
        Self(code: .invalidValue, key: key, message: message)
    }

    static func unsupported(key: String, _ message: String) -> Self {
        Self(code: .unsupported, key: key, message: message)
    }

    /// `key message`, such as `tracing.sampler_ratio must be in 0...1, got 2.0`.
    public var description: String { "\(key) \(message)" }
}
