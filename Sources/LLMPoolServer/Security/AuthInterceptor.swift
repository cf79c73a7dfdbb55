import GRPCCore
import LLMPoolCore
import LLMPoolObservability

/// Requires credentials on every gRPC method except the health ones (`grpc.health.v1.Health/*`
/// and `vvtv.llmpool.v1.LlmPool/Health`) unless `security.protect_health`.
///
/// The rules are the HTTP front door's, read from metadata: `authorization: Bearer <jwt>`, or the
/// `x-llm-pool-*` signature keys with `POST`, the method path (`/vvtv.llmpool.v1.LlmPool/Infer`)
/// and the deterministically serialized request message as the signed body. The principal is
/// bound to ``AuthenticatedPrincipal/current`` for the rest of the call. Failures end the RPC with
/// UNAUTHENTICATED or PERMISSION_DENIED and count in `llm_pool_auth_failures_total{api="grpc",reason}`.
public struct AuthInterceptor: ServerInterceptor {
    private let authenticator: Authenticator
    private let metrics: PoolMetrics?

    /// Creates the interceptor.
    /// - Parameters:
    ///   - authenticator: Checks the credentials.
    ///   - metrics: Where failures are counted, if anywhere.
    public init(authenticator: Authenticator, metrics: PoolMetrics? = nil) {
        self.authenticator = authenticator
        self.metrics = metrics
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard Self.requiresCredentials(context.descriptor, configuration: authenticator.configuration) else {
            return try await next(request, context)
        }
        var request = request
        var headers: [String: String] = [:]
        for name in AuthenticationRequest.headerNames {
            if let value = RequestMessages.first(name, in: request.metadata) { headers[name] = value }
        }
        let principal: AuthenticatedPrincipal
        do {
            var body: [UInt8] = []
            if headers[HMACRequestSigner.signatureHeader] != nil {
                let (messages, replay) = try await RequestMessages.buffer(request)
                body = try RequestMessages.signedBytes(messages)
                request = replay
            }
            principal = try await authenticator.authenticate(
                AuthenticationRequest(
                    method: "POST",
                    path: "/" + context.descriptor.fullyQualifiedMethod,
                    headers: headers,
                    body: body
                )
            )
            try Authenticator.checkTenant(
                RequestMessages.first(RequestGuards.tenantHeader, in: request.metadata),
                for: principal
            )
        } catch let error as PoolError {
            if let reason = error.authenticationFailureReason {
                metrics?.authFailures.labels(RequestAPI.grpc.rawValue, reason.description).increment()
            }
            return StreamingServerResponse(error: error.rpcError)
        }
        return try await AuthenticatedPrincipal.$current.withValue(principal) {
            try await next(request, context)
        }
    }

    /// Whether `method` needs credentials under `configuration`.
    static func requiresCredentials(_ method: MethodDescriptor, configuration: SecurityConfiguration) -> Bool {
        let isHealth =
            method.service.fullyQualifiedService == "grpc.health.v1.Health"
            || method.fullyQualifiedMethod == "vvtv.llmpool.v1.LlmPool/Health"
        return !isHealth || configuration.protectHealth
    }
}
