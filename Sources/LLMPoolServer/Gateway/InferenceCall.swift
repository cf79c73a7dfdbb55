import LLMPoolCore
import LLMPoolObservability

/// One inference request as both front doors hand it to the ``Gateway``: decoded once at the
/// edge, with who sent it, whose quota it counts against and what it is expected to cost.
///
/// The HTTP routes build it from a native `Query` or an OpenAI chat body, the gRPC service from
/// a `Query` message; nothing after the edge reads the wire format again.
public struct InferenceCall: Sendable {
    /// The domain request; its ``InferenceRequest/tenant`` is the resolved ``tenant``.
    public var request: InferenceRequest
    /// Who the credentials proved the caller to be; `nil` when `[security]` is off or open.
    public var principal: AuthenticatedPrincipal?
    /// The tenant the request counts against (``TenantRule``).
    public var tenant: String
    /// The tokens the request is expected to use, charged before it runs (``TokenEstimator``).
    public var tokenEstimate: Int
    /// Whether the answer is streamed.
    public var streaming: Bool
    /// The operation, for the log line and the span: `POST /v1/infer`, `LlmPool/Infer`.
    public var operation: String
    /// The server span of the request, which the gateway annotates; `nil` when tracing is off.
    public var span: RecordedSpan?
    /// Fires when the client's connection goes away (HTTP); the gateway then cancels the call.
    /// `nil` where the transport cancels by itself (gRPC).
    public var connection: Latch?

    /// The front door it came through.
    public var api: RequestAPI { request.api }
    /// The request id.
    public var requestID: String { request.requestID }

    /// Creates a call; the tenant is resolved with ``TenantRule`` and written into the request.
    public init(
        request: InferenceRequest,
        principal: AuthenticatedPrincipal?,
        tenantHint: String?,
        estimator: TokenEstimator,
        streaming: Bool,
        operation: String,
        span: RecordedSpan?,
        connection: Latch? = nil
    ) {
        var request = request
        let tenant = TenantRule.tenant(principal: principal, body: request.tenant, hint: tenantHint)
        request.tenant = tenant
        self.request = request
        self.principal = principal
        self.tenant = tenant
        self.tokenEstimate = estimator.estimate(request)
        self.streaming = streaming
        self.operation = operation
        self.span = span
        self.connection = connection
    }
}
