import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import NIOCore
import NIOFoundationCompat

/// JSON and SSE helpers shared by the routes.
enum HTTPJSON {
    /// A JSON response; an object that cannot be encoded throws (a 500), never an empty `{}`.
    static func response(_ object: Any, status: HTTPResponse.Status = .ok, requestID: String) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])
        return response(data: data, status: status, requestID: requestID)
    }

    static func response(data: Data, status: HTTPResponse.Status = .ok, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = requestID
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func sseHeaders(requestID: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.requestID] = requestID
        return headers
    }

    /// Collects the body, enforcing the size limit (413) and requiring a JSON content type when one is given.
    static func body(of request: Request, maxBytes: Int) async throws -> ByteBuffer {
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw PoolError(code: .invalidArgument, message: "Content-Type must be application/json, got '\(type)'")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw PoolError(
                code: .payloadTooLarge,
                message: "request body is \(length) bytes; the limit is \(maxBytes) (server.max_body_bytes)"
            )
        }
        do {
            return try await request.body.collect(upTo: maxBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw PoolError(
                code: .payloadTooLarge,
                message: "request body exceeds \(maxBytes) bytes (server.max_body_bytes)"
            )
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, maxBytes: Int) async throws -> T {
        let buffer = try await body(of: request, maxBytes: maxBytes)
        guard buffer.readableBytes > 0 else {
            throw PoolError(code: .invalidArgument, message: "request body is empty; expected a JSON object")
        }
        do {
            return try JSONDecoder().decode(T.self, from: buffer)
        } catch {
            throw PoolError.decodingFailure(error)
        }
    }

    /// A deadline from the `X-Request-Timeout-Ms` header, if sent.
    static func deadline(from request: Request) throws -> Duration? {
        guard let name = HTTPField.Name("X-Request-Timeout-Ms"), let value = request.headers[name] else { return nil }
        guard let ms = Int(value), ms > 0 else {
            throw PoolError(
                code: .invalidArgument,
                message: "X-Request-Timeout-Ms must be a positive integer, got '\(value)'"
            )
        }
        return .milliseconds(ms)
    }
}

/// Server-sent events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html).
enum SSE {
    static func event(_ data: Data, name: String? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let name { buffer.writeString("event: \(name)\n") }
        buffer.writeString("data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
