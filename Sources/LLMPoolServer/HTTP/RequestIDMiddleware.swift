import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import Logging

/// Accepts the caller's `X-Request-Id` (or generates one), stores it in the context, echoes it on
/// the response, and writes one log line per request with its task, strategy, model, status and
/// latency.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = PoolRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID].flatMap { $0.isEmpty || $0.utf8.count > 128 ? nil : $0 }
        context.requestID = incoming ?? RequestIDGenerator.next()
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = PoolError.fromHTTP(error).httpResponse(requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        if request.uri.path != "/metrics" && request.uri.path != "/healthz" {
            let elapsed = start.duration(to: .now)
            var metadata: Logger.Metadata = [
                "request_id": .string(context.requestID),
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "latency_ms": .stringConvertible((elapsed.fractionalMillisecondsValue * 100).rounded() / 100),
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

/// Generates request ids: random, URL-safe, 24 hex characters.
enum RequestIDGenerator {
    static func next() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt32
        return String(format: "%016llx%08x", high, low)
    }
}

extension Duration {
    var fractionalMillisecondsValue: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
