import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import LLMPoolObservability
import Logging
import Tracing

/// Accepts the caller's `X-Request-Id` (or generates one), stores it in the context, echoes it on
/// the response, runs the request in a server span that continues the caller's W3C `traceparent`,
/// and writes one log line per request (inside the span, so it carries `trace_id` and `span_id`)
/// with its task, strategy, model, status and latency.
///
/// `/metrics`, `/healthz` and `/readyz` get no span and no log line: scrapers and probes call
/// them every few seconds.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = PoolRequestContext
    let logger: Logger
    let tracer: SpanRecorder?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let incoming = request.headers[.requestID].flatMap { $0.isEmpty || $0.utf8.count > 128 ? nil : $0 }
        context.requestID = incoming ?? RequestIDGenerator.next()
        let path = request.uri.path
        guard let tracer, path != "/metrics", path != "/healthz", path != "/readyz" else {
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
        defer { span.end() }
        let response = try await ServiceContext.withValue(span.context) {
            try await serve(request, context: context, next: next)
        }
        if span.isRecording {
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if let task = response.headers[.poolTask] { span.attributes["llm_pool.task"] = task }
            if let model = response.headers[.poolModel] { span.attributes["gen_ai.response.model"] = model }
        }
        if response.status.code >= 500 { span.setStatus(.init(code: .error, message: "HTTP \(response.status.code)")) }
        return response
    }

    private func serve(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = PoolError.fromHTTP(error).httpResponse(requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        if request.uri.path != "/metrics" && request.uri.path != "/healthz" && request.uri.path != "/readyz" {
            let elapsed = start.duration(to: .now)
            var metadata: Logger.Metadata = [
                "request_id": .string(context.requestID),
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "latency_ms": .stringConvertible((elapsed.fractionalMilliseconds * 100).rounded() / 100),
            ]
            if let task = response.headers[.poolTask] { metadata["task"] = .string(task) }
            if let strategy = response.headers[.poolStrategy] { metadata["strategy"] = .string(strategy) }
            if let model = response.headers[.poolModel] { metadata["model"] = .string(model) }
            if let cache = response.headers[.poolCache] { metadata["cache"] = .string(cache) }
            logger.info("request", metadata: metadata)
        }
        return response
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
