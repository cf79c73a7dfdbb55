/// An error raised by the ``ProviderSimulator``'s own API (not the HTTP errors it simulates).
public struct SimulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case unknownModel = "unknown_model"
            case invalidFaults = "invalid_faults"
            case invalidBehavior = "invalid_behavior"
            case alreadyStarted = "already_started"
            case notRunning = "not_running"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The simulator serves no model of that name.
        public static let unknownModel = Code(.unknownModel)
        /// A fault value is out of range.
        public static let invalidFaults = Code(.invalidFaults)
        /// A behavior value is out of range.
        public static let invalidBehavior = Code(.invalidBehavior)
        /// ``ProviderSimulator/run()`` was called twice.
        public static let alreadyStarted = Code(.alreadyStarted)
        /// The simulator stopped, or stopped before it was listening.
        public static let notRunning = Code(.notRunning)

        /// The code as a snake_case string.
        public var description: String { wrapped.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, in words.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
