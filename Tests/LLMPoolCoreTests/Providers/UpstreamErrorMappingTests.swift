import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import LLMPoolCore

/// Upstream error answers mapped by what they mean: the caller's fault keeps the upstream's
/// message and `param`, a 429 its `Retry-After`, server faults stay `upstream_failed`.
@Suite("Upstream error mapping")
struct UpstreamErrorMappingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var status: Int
        var body: String
        var code: PoolError.Code
        var param: String?
        var testDescription: String { "HTTP \(status) → \(code)" }
    }

    static let llamaContext =
        #"{"error":{"message":"This model's maximum context length is 512 tokens. However, you requested 950 tokens","#
        + #""type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#

    static let cases: [Case] = [
        Case(status: 400, body: llamaContext, code: .contextLengthExceeded, param: "messages"),
        // llama.cpp's own server: numeric code, its own type.
        Case(
            status: 400,
            body:
                #"{"error":{"code":400,"message":"request (950 tokens) exceeds the available context size (512 tokens)","#
                + #""type":"exceed_context_size_error"}}"#,
            code: .contextLengthExceeded,
            param: "messages"
        ),
        // vLLM says it in words only.
        Case(
            status: 400,
            body:
                #"{"object":"error","message":"This model's maximum context length is 2048 tokens.","type":"BadRequestError"}"#,
            code: .contextLengthExceeded,
            param: "messages"
        ),
        Case(
            status: 400,
            body:
                #"{"error":{"message":"temperature must be <= 2","type":"invalid_request_error","param":"temperature"}}"#,
            code: .invalidArgument,
            param: "temperature"
        ),
        Case(status: 422, body: #"{"error":"bad field"}"#, code: .invalidArgument),
        Case(
            status: 404,
            body: #"{"error":{"message":"model 'x' not found","code":"model_not_found"}}"#,
            code: .notFound
        ),
        Case(status: 413, body: "too large", code: .payloadTooLarge),
        Case(status: 429, body: #"{"error":{"message":"slow down"}}"#, code: .resourceExhausted),
        Case(status: 401, body: #"{"error":{"message":"bad key"}}"#, code: .upstreamFailed),
        Case(status: 500, body: #"{"error":{"message":"1 validation error for Request"}}"#, code: .upstreamFailed),
        Case(status: 503, body: "", code: .upstreamFailed),
        // The explicit code wins whatever the status.
        Case(status: 500, body: llamaContext, code: .contextLengthExceeded, param: "messages"),
    ]

    @Test("statuses and bodies", arguments: cases)
    func mapping(_ item: Case) {
        let error = ProviderFailure.status(
            HTTPResponseStatus(statusCode: item.status),
            body: ByteBuffer(string: item.body),
            provider: "llama-a"
        )
        #expect(error.code == item.code)
        #expect(error.param == item.param)
        #expect(error.message.hasPrefix("provider 'llama-a' answered HTTP \(item.status)"))
        #expect(
            error.isCallerFault
                == [.invalidArgument, .notFound, .payloadTooLarge, .contextLengthExceeded].contains(item.code)
        )
        #expect(error.breakerOutcome == (error.isCallerFault ? .ignored : .failure))
    }

    @Test("the upstream's message reaches the client")
    func message() {
        let error = ProviderFailure.status(
            .badRequest,
            body: ByteBuffer(string: Self.llamaContext),
            provider: "llama-a"
        )
        #expect(error.message.contains("This model's maximum context length is 512 tokens"))
    }

    @Test("Retry-After: seconds, an HTTP date, OpenAI's retry-after-ms, capped; none counts against the breaker")
    func retryAfter() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        func wait(_ headers: [(String, String)]) -> Duration? {
            ProviderFailure.retryAfter(in: HTTPHeaders(headers), now: now)
        }
        #expect(wait([("Retry-After", "2")]) == .seconds(2))
        #expect(wait([("retry-after-ms", "1500"), ("Retry-After", "9")]) == .milliseconds(1500))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(wait([("Retry-After", formatter.string(from: now.addingTimeInterval(30)))]) == .seconds(30))
        #expect(wait([("Retry-After", "86400")]) == ProviderFailure.maxRetryAfter)
        #expect(wait([("Retry-After", "soon")]) == nil)
        #expect(wait([]) == nil)

        let held = ProviderFailure.status(
            .tooManyRequests,
            body: ByteBuffer(),
            headers: HTTPHeaders([("Retry-After", "3")]),
            provider: "p"
        )
        #expect(held.retryAfter == .seconds(3))
        #expect(held.breakerOutcome == .ignored)
        #expect(held.isRetryableElsewhere)
        let unannounced = ProviderFailure.status(.tooManyRequests, body: ByteBuffer(), provider: "p")
        #expect(unannounced.retryAfter == nil)
        #expect(unannounced.breakerOutcome == .failure)
    }

    @Test("the most telling error when every provider failed")
    func allFailed() {
        let fault = PoolError(code: .contextLengthExceeded, message: "too long", param: "messages")
        let server = PoolError(code: .upstreamFailed, message: "HTTP 500")
        let down = PoolError(code: .unavailable, message: "refused")
        #expect(PoolError.allFailed([server, fault], task: "t").code == .contextLengthExceeded)
        #expect(PoolError.allFailed([server, fault], task: "t").param == "messages")
        #expect(PoolError.allFailed([server, server], task: "t").code == .upstreamFailed)
        #expect(PoolError.allFailed([server, down], task: "t").code == .unavailable)
    }
}
