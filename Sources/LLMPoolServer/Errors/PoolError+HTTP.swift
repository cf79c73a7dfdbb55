import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import NIOCore

extension PoolError {
    /// The HTTP status for this error. The one place domain errors become HTTP statuses.
    public var httpStatus: HTTPResponse.Status {
        switch code {
        case .invalidArgument, .contextLengthExceeded: return .badRequest
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .payloadTooLarge: return .contentTooLarge
        case .deadlineExceeded: return .gatewayTimeout
        case .unavailable: return .serviceUnavailable
        case .upstreamFailed: return .badGateway
        case .resourceExhausted: return .tooManyRequests
        case .unauthenticated: return .unauthorized
        case .permissionDenied: return .forbidden
        case .noConsensus: return .unprocessableContent
        case .cancelled: return .init(code: 499, reasonPhrase: "Client Closed Request")
        default: return .internalServerError
        }
    }

    /// The OpenAI error `type` for this error.
    var openAIType: String {
        switch code {
        case .invalidArgument, .notFound, .methodNotAllowed, .payloadTooLarge, .contextLengthExceeded:
            return "invalid_request_error"
        case .unauthenticated: return "authentication_error"
        case .permissionDenied: return "permission_error"
        case .resourceExhausted: return "rate_limit_error"
        default: return "server_error"
        }
    }

    /// The error as the OpenAI error object: `{"error": {"message", "type", "param", "code"}}`.
    func openAIErrorJSON() -> [String: Any] {
        [
            "error": [
                "message": message, "type": openAIType, "param": param.map { $0 as Any } ?? NSNull(),
                "code": code.description,
            ]
        ]
    }

    /// A complete JSON error response in the OpenAI shape.
    func httpResponse(requestID: String) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: openAIErrorJSON(), options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if !requestID.isEmpty { headers[.requestID] = requestID }
        return Response(status: httpStatus, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Converts any error met while serving HTTP into a ``PoolError``.
    static func fromHTTP(_ error: any Error) -> PoolError {
        if let error = error as? PoolError { return error }
        if let error = error as? any HTTPResponseError {
            // Hummingbird's own refusals (NIOTooManyBytesError for a body over the limit, …).
            switch error.status {
            case .contentTooLarge:
                return PoolError(
                    code: .payloadTooLarge,
                    message: "request body exceeds the server's limit (server.max_body_bytes)"
                )
            case .notFound: return PoolError(code: .notFound, message: "not found")
            case .methodNotAllowed: return PoolError(code: .methodNotAllowed, message: "method not allowed")
            default:
                let body = (error as? HTTPError)?.body ?? "\(error.status)"
                return PoolError(code: error.status.code < 500 ? .invalidArgument : .internal, message: body)
            }
        }
        if error is DecodingError { return decodingFailure(error) }
        if error is CancellationError {
            return PoolError(code: .cancelled, message: "request cancelled")
        }
        return PoolError(code: .internal, message: "internal error")
    }
}

extension PoolError {
    /// A `DecodingError` of a JSON body as a 400 naming the offending field, in the message and
    /// as `param`.
    static func decodingFailure(_ error: any Error) -> PoolError {
        guard let error = error as? DecodingError else {
            return PoolError(code: .invalidArgument, message: "malformed JSON body: \(error)")
        }
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String? {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? nil : String(text.drop { $0 == "." })
        }
        let (param, problem): (String?, String)
        switch error {
        case .keyNotFound(let key, let context):
            param = path(context, key)
            problem = "missing field '\(param ?? key.stringValue)'"
        case .typeMismatch(let type, let context):
            param = path(context)
            problem = "\(param ?? "body") must be \(describe(type))"
        case .valueNotFound(let type, let context):
            param = path(context)
            problem = "\(param ?? "body") must be \(describe(type)), found null"
        case .dataCorrupted(let context):
            param = path(context)
            problem = param.map { "\($0): \(context.debugDescription)" } ?? "the body is not valid JSON"
        @unknown default:
            (param, problem) = (nil, "\(error)")
        }
        return PoolError(code: .invalidArgument, message: "malformed JSON body: \(problem)", param: param)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Double.Type: return "a number"
        default: return "\(type)"
        }
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let requestID = HTTPField.Name("X-Request-Id")!
    /// The task that served the request, for logs and callers.
    static let poolTask = HTTPField.Name("X-LLM-Pool-Task")!
    /// Input plus output tokens the answer used (read by the rate limiter to correct its estimate).
    static let poolTokens = HTTPField.Name("X-LLM-Pool-Tokens")!
    /// The model that produced the answer.
    static let poolModel = HTTPField.Name("X-LLM-Pool-Model")!
    /// The provider that produced the answer.
    static let poolProvider = HTTPField.Name("X-LLM-Pool-Provider")!
    /// The strategy that ran.
    static let poolStrategy = HTTPField.Name("X-LLM-Pool-Strategy")!
    /// Whether the answer came from the cache.
    static let poolCache = HTTPField.Name("X-LLM-Pool-Cache")!
}
