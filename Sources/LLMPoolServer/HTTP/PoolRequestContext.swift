import Hummingbird
import LLMPoolCore
import LLMPoolObservability

/// The request context of llm-pool's HTTP routes: Hummingbird's core context plus the request id,
/// the authenticated principal and the request's server span.
public struct PoolRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The caller's `X-Request-Id`, or one generated for the request.
    public var requestID: String
    /// Who the request was proven to come from; `nil` when `[security]` is off or the path is open.
    public var principal: AuthenticatedPrincipal? = nil
    /// The request's server span, annotated by the gateway; `nil` when tracing is off.
    public var span: RecordedSpan? = nil

    /// Fires when the client of the request's connection leaves (``ConnectionGuardHandler``).
    public var connection: Latch?

    /// Creates a context for a new request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.connection = ConnectionSignals.latch(for: source.channel)
    }
}
