import HTTPTypes
import Hummingbird
import LLMPoolCore
import NIOCore

/// What the HTTP routes share at the edge: turning a decoded request into an admitted
/// ``InferenceCall``, and every way a call can end early into a response.
struct HTTPEdge: Sendable {
    let gateway: Gateway

    /// The call for a decoded request, with the tenant rule applied.
    func call(_ inference: InferenceRequest, request: Request, context: PoolRequestContext, streaming: Bool)
        -> InferenceCall
    {
        InferenceCall(
            request: inference,
            principal: context.principal,
            tenantHint: request.headers[.poolTenant],
            estimator: gateway.estimator,
            streaming: streaming,
            operation: Self.operation(request),
            span: context.span,
            connection: context.connection
        )
    }

    /// The response to a body that could not be decoded; counted and logged by the gateway.
    func rejected(
        _ error: any Error,
        api: RequestAPI,
        request: Request,
        context: PoolRequestContext,
        streaming: Bool
    ) -> Response {
        gateway.reject(
            error,
            api: api,
            requestID: context.requestID,
            operation: Self.operation(request),
            streaming: streaming,
            principal: context.principal,
            tenantHint: request.headers[.poolTenant],
            span: context.span
        )
        return PoolError.fromHTTP(error).httpResponse(requestID: context.requestID)
    }

    /// The response to a call that failed (or was refused) after admission, with its rate-limit headers.
    func failed(_ error: any Error, admission: Admission, context: PoolRequestContext) -> Response {
        var response = PoolError.fromHTTP(error).httpResponse(requestID: context.requestID)
        Self.apply(admission.rateLimitFields, to: &response.headers)
        return response
    }

    /// Writes a piece of a streamed body; a failed write means the client went away, which
    /// cancels the request (`cancelled`, not a failure of the pool).
    static func send<State>(_ buffer: ByteBuffer, to body: StreamedBody<State>) async throws {
        do {
            try await body.write(buffer)
        } catch {
            throw PoolError(code: .cancelled, message: "the client closed the connection", cause: error)
        }
    }

    /// Adds rate-limit fields to headers.
    static func apply(_ fields: [(name: String, value: String)], to headers: inout HTTPFields) {
        for field in fields {
            if let name = HTTPField.Name(field.name) { headers[name] = field.value }
        }
    }

    /// `POST /v1/infer`: the operation named in logs and spans.
    static func operation(_ request: Request) -> String {
        "\(request.method.rawValue) \(request.uri.path)"
    }
}
