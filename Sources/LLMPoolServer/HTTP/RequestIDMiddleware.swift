import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import LLMPoolObservability
import Logging
import Tracing

/// Accepts the caller's `X-Request-Id` (or generates one), stores it in the context, echoes it on
/// the response, and runs the request in a server span that continues the caller's W3C
/// `traceparent` (the span is in the context for the ``Gateway`` to annotate).
///
/// Inference calls are logged by the gateway, with the same fields for every front door; this
/// middleware writes the log line of every other request, and of inference requests that ended
/// before reaching a route (credentials refused, unknown method). Errors that are not a
/// ``PoolError`` are logged with their cause and answered 500 with a generic message.
///
/// `/metrics`, `/healthz`, `/readyz` and the console's routes get no span and no log line:
/// scrapers, probes and open consoles call them every few seconds.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = PoolRequestContext
    let logger: Logger
    let tracer: SpanRecorder?

    static let inferencePaths: Set<String> = ["/v1/infer", "/v1/infer/stream", "/v1/chat/completions"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let incoming = request.headers[.requestID].flatMap { $0.isEmpty || $0.utf8.count > 128 ? nil : $0 }
        context.requestID = incoming ?? RequestIDGenerator.next()
        let path = request.uri.path
        guard let tracer, !Self.isProbe(path) else {
            return try await serve(request, context: context, next: next)
        }
        var parent = ServiceContext.current ?? .topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        // The name is only read when the span is exported; skip building it otherwise.
        let name = tracer.hasProcessors ? "\(request.method.rawValue) \(path)" : "HTTP"
        let span = tracer.startSpan(name, context: parent, ofKind: .server)
        if span.isRecording {
            span.attributes["http.request.method"] = request.method.rawValue
            span.attributes["url.path"] = path
            span.attributes["llm_pool.request_id"] = context.requestID
        }
        context.span = span
        var response: Response
        do {
            response = try await ServiceContext.withValue(span.context) { [context] in
                try await serve(request, context: context, next: next)
            }
        } catch {
            span.end()
            throw error
        }
        if span.isRecording { span.attributes["http.response.status_code"] = Int(response.status.code) }
        if response.status.code >= 500 { span.setStatus(.init(code: .error, message: "HTTP \(response.status.code)")) }
        guard response.headers[.contentType]?.hasPrefix("text/event-stream") == true else {
            span.end()
            return response
        }
        // A stream is produced after the handler returns: it runs in the span, which ends when
        // the last event is written.
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { span.end() }
            try await ServiceContext.withValue(span.context) { try await body.write(writer) }
        }
        return response
    }

    private func serve(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        var response: Response
        // Whether a route answered an inference call: the gateway logged it.
        var logged = false
        do {
            response = try await next(request, context)
            logged = request.method == .post && Self.inferencePaths.contains(request.uri.path)
        } catch {
            let failure = Self.routingFailure(error, request) ?? PoolError.fromHTTP(error)
            if failure.code == .internal {
                logger.error(
                    "request failed",
                    metadata: ["request_id": .string(context.requestID), "cause": .string(String(reflecting: error))]
                )
            }
            response = failure.httpResponse(requestID: context.requestID)
            if failure.code == .methodNotAllowed, let allowed = Self.routes[request.uri.path] {
                response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            }
        }
        response.headers[.requestID] = context.requestID
        if !logged, !Self.isProbe(request.uri.path) {
            let elapsed = start.duration(to: .now)
            logger.info(
                "request",
                metadata: [
                    "request_id": .string(context.requestID),
                    "method": .string(request.method.rawValue),
                    "path": .string(request.uri.path),
                    "status": .stringConvertible(response.status.code),
                    "latency_ms": .stringConvertible((elapsed.fractionalMilliseconds * 100).rounded() / 100),
                ]
            )
        }
        return response
    }

    /// The paths the server answers and their methods, for 404 versus 405 (with `Allow`).
    static let routes: [String: [HTTPRequest.Method]] = [
        "/v1/infer": [.post], "/v1/infer/stream": [.post], "/v1/chat/completions": [.post],
        "/v1/models": [.get], "/healthz": [.get], "/readyz": [.get], "/metrics": [.get], "/openapi.json": [.get],
        "/console": [.get], "/v1/admin/state": [.get], "/v1/admin/decisions": [.get], "/v1/admin/events": [.get],
        "/v1/embeddings": [.post],
    ]

    /// An unmatched request as 404 (no such path) or 405 (the path, another method).
    static func routingFailure(_ error: any Error, _ request: Request) -> PoolError? {
        guard let error = error as? any HTTPResponseError,
            error.status == .notFound || error.status == .methodNotAllowed
        else {
            return nil
        }
        let (method, path) = (request.method.rawValue, request.uri.path)
        guard let allowed = routes[path], !allowed.contains(request.method) else {
            return PoolError(code: .notFound, message: "no route for \(method) \(path)")
        }
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return PoolError(code: .methodNotAllowed, message: "\(method) is not allowed on \(path); use \(names)")
    }

    private static func isProbe(_ path: String) -> Bool {
        path == "/metrics" || path == "/healthz" || path == "/readyz" || ConsoleRoutes.paths.contains(path)
    }
}

/// Reads W3C trace context headers from Hummingbird's request headers.
struct HTTPFieldsExtractor: Extractor {
    private static let traceparent = HTTPField.Name("traceparent")!
    private static let tracestate = HTTPField.Name("tracestate")!

    func extract(key: String, from carrier: HTTPFields) -> String? {
        switch key {
        case "traceparent": return carrier[Self.traceparent]
        case "tracestate": return carrier[Self.tracestate]
        default: return HTTPField.Name(key).flatMap { carrier[$0] }
        }
    }
}

/// Generates request ids: random, URL-safe, 24 hex characters.
enum RequestIDGenerator {
    static func next() -> String {
        var generator = IDGenerator()
        return Hex.encode(generator.next()) + Hex.encode(generator.next()).prefix(8)
    }
}
