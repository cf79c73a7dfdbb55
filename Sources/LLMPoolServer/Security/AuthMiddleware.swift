import HTTPTypes
import Hummingbird
import LLMPoolCore
import LLMPoolObservability
import NIOCore

/// Requires credentials on every HTTP route except the open ones: `/healthz` and `/readyz`
/// unless `security.protect_health`, `/metrics` (and the console's routes) unless
/// `security.protect_metrics`, and `/openapi.json` always (it describes the API and holds no data).
///
/// HMAC-signed requests have their body read (up to `server.max_body_bytes`) to check its hash;
/// the routes read it again from memory. The principal goes into
/// ``PoolRequestContext/principal``. An `x-llm-pool-tenant` header naming another tenant than the
/// credentials' is refused with 403. Failures answer 401 or 403 in the OpenAI error shape and
/// count in `llm_pool_auth_failures_total{api,reason}`.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = PoolRequestContext

    private let authenticator: Authenticator
    private let maxBodyBytes: Int
    private let metrics: PoolMetrics?
    private static let headerNames = AuthenticationRequest.headerNames.map { HTTPField.Name($0)! }

    /// Creates the middleware.
    /// - Parameters:
    ///   - authenticator: Checks the credentials.
    ///   - maxBodyBytes: Largest body read to check an HMAC signature (`server.max_body_bytes`).
    ///   - metrics: Where failures are counted, if anywhere.
    public init(authenticator: Authenticator, maxBodyBytes: Int, metrics: PoolMetrics? = nil) {
        self.authenticator = authenticator
        self.maxBodyBytes = maxBodyBytes
        self.metrics = metrics
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        guard Self.requiresCredentials(path: path, configuration: authenticator.configuration) else {
            return try await next(request, context)
        }
        var request = request
        var headers: [String: String] = [:]
        for name in Self.headerNames {
            if let value = request.headers[name] { headers[name.canonicalName] = value }
        }
        var body: [UInt8] = []
        if headers[HMACRequestSigner.signatureHeader] != nil {
            body = Array(try await request.collectBody(upTo: maxBodyBytes).readableBytesView)
        }
        let target = request.uri.query.map { "\(path)?\($0)" } ?? path
        let principal: AuthenticatedPrincipal
        do {
            principal = try await authenticator.authenticate(
                AuthenticationRequest(method: request.method.rawValue, path: target, headers: headers, body: body)
            )
            try Authenticator.checkTenant(request.headers[.poolTenant], for: principal)
        } catch let error as PoolError {
            if let reason = error.authenticationFailureReason {
                metrics?.authFailures.labels(Self.api(path: path), reason.description).increment()
            }
            throw error
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    /// Whether `path` needs credentials under `configuration`.
    static func requiresCredentials(path: String, configuration: SecurityConfiguration) -> Bool {
        switch path {
        case "/healthz", "/readyz": return configuration.protectHealth
        case "/metrics": return configuration.protectMetrics
        case "/openapi.json": return false
        case _ where ConsoleRoutes.paths.contains(path): return configuration.protectMetrics
        default: return true
        }
    }

    /// The `api` metric label of a path: `openai` for the OpenAI-compatible routes, else `http`.
    static func api(path: String) -> String {
        path.hasPrefix("/v1/chat/") || path == "/v1/models" ? RequestAPI.openai.rawValue : RequestAPI.http.rawValue
    }
}

extension HTTPField.Name {
    /// `x-llm-pool-tenant`: the tenant a request is made for, when no credentials say so.
    static let poolTenant = HTTPField.Name("x-llm-pool-tenant")!
}
