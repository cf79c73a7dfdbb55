import LLMPoolObservability

/// Failures the ``ProviderSimulator`` injects into one model's answers, changeable while it runs
/// with ``ProviderSimulator/setFaults(_:for:)`` or `PUT /_simulator/models/{name}/faults`.
///
/// When several faults are set, the first that applies wins, in this order: ``forcedStatus``,
/// ``errorRate``, ``connectionReset``, ``hang``, then the answer is produced after its latency
/// plus ``extraLatency``, ``malformedBody`` replacing its body and ``stallAfterTokens`` cutting a
/// streamed answer short. Health endpoints (`/api/tags`, `/v1/models`) are never faulted.
///
/// The JSON form used by the admin API has snake_case keys, all optional:
/// ```json
/// {"error_rate": 0.5, "status": 503, "retry_after": 2, "hang": false, "connection_reset": false,
///  "malformed_body": false, "stall_after_tokens": 3, "extra_latency_ms": 250, "malformed_judge": false}
/// ```
public struct SimulatorFaults: Sendable, Hashable, Codable {
    /// Probability, 0…1, that a request fails with HTTP 500 and a JSON error. Default 0.
    public var errorRate: Double
    /// When set, every request fails with this HTTP error status (400…599, such as 503) and a
    /// JSON error. Default `nil`.
    public var forcedStatus: Int?
    /// When set, answers failed by ``forcedStatus`` carry `Retry-After` with this many seconds,
    /// as a server shedding load (429, 503) does. Default `nil`.
    public var retryAfter: Int?
    /// Whether requests are never answered: the simulator holds them until the client goes away
    /// (counted as cancelled) or the configured hang limit passes. Default false.
    public var hang: Bool
    /// Whether the connection is reset (closed with a TCP RST) without any response. Default false.
    public var connectionReset: Bool
    /// Whether answers are HTTP 200 with a body that is not valid JSON (or, when streaming, a
    /// first line or event that is not). Default false.
    public var malformedBody: Bool
    /// When set, streamed answers send this many tokens and then stop sending anything, without
    /// finishing, until the client goes away. Non-streamed requests hang instead. Default `nil`.
    public var stallAfterTokens: Int?
    /// Latency added to every answer (and to the first token of streamed ones), scaled like the
    /// model's own latency. Default 0.
    public var extraLatency: Duration
    /// Whether judge prompts get ordinary (unparseable) text instead of a verdict, as a model that
    /// ignores the judge's format does. Default false. JSON `malformed_judge`.
    public var malformedJudge = false

    /// Creates a set of faults; the defaults inject nothing.
    public init(
        errorRate: Double = 0,
        forcedStatus: Int? = nil,
        hang: Bool = false,
        connectionReset: Bool = false,
        malformedBody: Bool = false,
        stallAfterTokens: Int? = nil,
        extraLatency: Duration = .zero,
        retryAfter: Int? = nil,
        malformedJudge: Bool = false
    ) {
        self.malformedJudge = malformedJudge
        self.errorRate = errorRate
        self.forcedStatus = forcedStatus
        self.retryAfter = retryAfter
        self.hang = hang
        self.connectionReset = connectionReset
        self.malformedBody = malformedBody
        self.stallAfterTokens = stallAfterTokens
        self.extraLatency = extraLatency
    }

    /// No faults.
    public static var none: SimulatorFaults { .init() }

    private enum CodingKeys: String, CodingKey {
        case errorRate = "error_rate"
        case forcedStatus = "status"
        case retryAfter = "retry_after"
        case hang
        case connectionReset = "connection_reset"
        case malformedBody = "malformed_body"
        case stallAfterTokens = "stall_after_tokens"
        case extraLatencyMilliseconds = "extra_latency_ms"
        case malformedJudge = "malformed_judge"
    }

    /// Decodes faults from the admin API's JSON; missing keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            errorRate: try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0,
            forcedStatus: try container.decodeIfPresent(Int.self, forKey: .forcedStatus),
            hang: try container.decodeIfPresent(Bool.self, forKey: .hang) ?? false,
            connectionReset: try container.decodeIfPresent(Bool.self, forKey: .connectionReset) ?? false,
            malformedBody: try container.decodeIfPresent(Bool.self, forKey: .malformedBody) ?? false,
            stallAfterTokens: try container.decodeIfPresent(Int.self, forKey: .stallAfterTokens),
            extraLatency: .milliseconds(
                try container.decodeIfPresent(Double.self, forKey: .extraLatencyMilliseconds) ?? 0
            ),
            retryAfter: try container.decodeIfPresent(Int.self, forKey: .retryAfter),
            malformedJudge: try container.decodeIfPresent(Bool.self, forKey: .malformedJudge) ?? false
        )
    }

    /// Encodes faults in the admin API's JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(errorRate, forKey: .errorRate)
        try container.encodeIfPresent(forcedStatus, forKey: .forcedStatus)
        try container.encodeIfPresent(retryAfter, forKey: .retryAfter)
        try container.encode(hang, forKey: .hang)
        try container.encode(connectionReset, forKey: .connectionReset)
        try container.encode(malformedBody, forKey: .malformedBody)
        try container.encode(malformedJudge, forKey: .malformedJudge)
        try container.encodeIfPresent(stallAfterTokens, forKey: .stallAfterTokens)
        try container.encode(extraLatency.fractionalMilliseconds, forKey: .extraLatencyMilliseconds)
    }

    /// Checks the values are in range.
    ///
    /// - Throws: ``SimulatorError`` naming the field that is out of range.
    public func validate() throws(SimulatorError) {
        guard (0...1).contains(errorRate) else {
            throw SimulatorError(code: .invalidFaults, message: "error_rate must be within 0...1, got \(errorRate)")
        }
        if let forcedStatus, !(400...599).contains(forcedStatus) {
            throw SimulatorError(
                code: .invalidFaults,
                message: "status must be an HTTP error status within 400...599, got \(forcedStatus)"
            )
        }
        if let retryAfter, retryAfter < 0 {
            throw SimulatorError(code: .invalidFaults, message: "retry_after must be >= 0, got \(retryAfter)")
        }
        if let stallAfterTokens, stallAfterTokens < 0 {
            throw SimulatorError(
                code: .invalidFaults,
                message: "stall_after_tokens must be >= 0, got \(stallAfterTokens)"
            )
        }
        guard extraLatency >= .zero else {
            throw SimulatorError(code: .invalidFaults, message: "extra_latency_ms must be >= 0")
        }
    }
}
