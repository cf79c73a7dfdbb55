import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The HTTP side of a provider: sends JSON to one backend with AsyncHTTPClient and turns every
/// failure into a ``PoolError`` through ``ProviderFailure``.
struct ProviderHTTP: Sendable {
    /// The shared client.
    let client: HTTPClient
    /// The provider's name, for error messages.
    let provider: String
    /// Headers sent on every request after the caller's (such as `Authorization`).
    let fixedHeaders: [(String, String)]
    /// What time limits are measured on.
    var clock: any PoolClock = SystemPoolClock()

    /// Largest response body read whole.
    static let maxBodyBytes = 16 << 20
    /// Largest error body read to find the upstream message.
    static let maxErrorBodyBytes = 64 << 10

    /// Sends a request and returns the response once a 2xx head arrived; its body is still to read.
    ///
    /// - Parameters:
    ///   - method: `GET` or `POST`.
    ///   - url: The full URL.
    ///   - body: A JSON body, if any.
    ///   - headers: Extra headers, such as `traceparent`.
    ///   - timeout: The time allowed until the head arrives; the caller bounds the body.
    /// - Throws: ``PoolError``.
    func send(
        _ method: HTTPMethod,
        url: String,
        json body: ByteBuffer? = nil,
        headers: [String: String] = [:],
        timeout: Duration
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        for (name, value) in fixedHeaders { request.headers.replaceOrAdd(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw ProviderFailure.map(error, provider: provider, url: url)
        }
        guard (200..<300).contains(response.status.code) else {
            let errorBody = (try? await response.body.collect(upTo: Self.maxErrorBodyBytes)) ?? ByteBuffer()
            throw ProviderFailure.status(
                response.status,
                body: errorBody,
                headers: response.headers,
                provider: provider
            )
        }
        return response
    }

    /// Reads a whole body and decodes it as JSON.
    ///
    /// - Throws: ``PoolError``: `upstreamFailed` "malformed response…" when it does not decode.
    func decode<Value: Decodable>(_ type: Value.Type, from response: HTTPClientResponse, url: String) async throws
        -> Value
    {
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw ProviderFailure.map(error, provider: provider, url: url)
        }
        return try decode(type, from: body)
    }

    /// Decodes JSON from bytes.
    ///
    /// - Throws: ``PoolError``: `upstreamFailed` "malformed response…" when it does not decode.
    func decode<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: buffer)
        } catch {
            let excerpt = String(buffer: buffer).prefix(120)
            throw ProviderFailure.malformed(
                provider: provider,
                "\(Self.describe(error)) in \"\(excerpt)\"",
                cause: error
            )
        }
    }

    /// Calls `handle` with each line of a streamed body, in order, reading the next chunk only once
    /// `handle` returned; tells `watch` of every chunk.
    ///
    /// - Throws: ``PoolError``, including what `handle` throws; a ``DeliveryFailure`` as is.
    func forEachLine(
        of response: HTTPClientResponse,
        url: String,
        watch: StreamWatch,
        _ handle: (String) async throws -> Void
    ) async throws {
        var splitter = ByteLineSplitter()
        do {
            for try await chunk in response.body {
                watch.received()
                for line in try splitter.append(chunk) { try await handle(line) }
            }
            if let last = splitter.finish() { try await handle(last) }
        } catch let failure as DeliveryFailure {
            throw failure
        } catch let error as ByteLineSplitter.LineTooLong {
            throw ProviderFailure.malformed(provider: provider, error.description)
        } catch {
            throw ProviderFailure.map(error, provider: provider, url: url)
        }
    }

    /// Encodes a request body built as a JSON value: compact, keys sorted.
    static func json(_ value: JSONValue) -> ByteBuffer {
        ByteBuffer(string: value.canonicalText)
    }

    /// Encodes a request body.
    static func json(_ value: some Encodable) -> ByteBuffer {
        // Plain structs of strings and numbers always encode; failing is a programmer error.
        guard let data = try? JSONEncoder().encode(value) else {
            preconditionFailure("provider request failed to encode")
        }
        return ByteBuffer(data: data)
    }

    /// A short description of a decoding error.
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context): "invalid JSON (\(context.debugDescription))"
        case .keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "unexpected value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "\(error)"
        }
    }
}
