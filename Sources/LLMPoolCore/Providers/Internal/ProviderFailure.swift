import AsyncHTTPClient
import Foundation
import LLMPoolObservability
import NIOCore
import NIOHTTP1
import NIOPosix

/// Turns everything that can go wrong in a provider call into a ``PoolError``:
///
/// | failure | code |
/// | --- | --- |
/// | time limit reached | `deadlineExceeded` |
/// | calling task cancelled | `cancelled` |
/// | connection refused, host unreachable, connect timeout | `unavailable` |
/// | `context_length_exceeded` in an error body (any status), or a 4xx saying the context is too small | `contextLengthExceeded` |
/// | HTTP 400, 422 | `invalidArgument` |
/// | HTTP 404 (model not found) | `notFound` |
/// | HTTP 413 | `payloadTooLarge` |
/// | HTTP 429 | `resourceExhausted`, with `Retry-After` (or `retry-after-ms`) as ``PoolError/retryAfter`` |
/// | other 4xx (401, 403, …: the pool's own configuration), 5xx | `upstreamFailed` |
/// | connection reset or closed mid-answer | `upstreamFailed` |
/// | unparseable body | `upstreamFailed`, "malformed response from …" |
///
/// Errors of the caller's making (``PoolError/isCallerFault``) keep the upstream's message and
/// `param`, so the client reads what the backend said. llama-cpp-python answers its own request
/// validation failures with 500, so those stay `upstreamFailed`.
enum ProviderFailure {
    /// The call ran into one of its time limits; the ``ProviderTimeout`` is the error's cause.
    static func deadlineExceeded(provider: String, _ timeout: ProviderTimeout) -> PoolError {
        let milliseconds = timeout.after.milliseconds
        let message =
            switch timeout.limit {
            case .call: "provider '\(provider)' did not answer within \(milliseconds) ms"
            case .firstToken: "provider '\(provider)' sent no token within \(milliseconds) ms (timeout_ms)"
            case .idle:
                "provider '\(provider)' sent nothing for \(milliseconds) ms in the middle of its answer (idle_timeout_ms)"
            }
        return PoolError(code: .deadlineExceeded, message: message, cause: timeout)
    }

    /// The body could not be understood.
    static func malformed(provider: String, _ detail: String, cause: (any Error)? = nil) -> PoolError {
        PoolError(code: .upstreamFailed, message: "malformed response from \(provider): \(detail)", cause: cause)
    }

    /// The backend answered with an error status: mapped by what it means (see the table above).
    static func status(
        _ status: HTTPResponseStatus,
        body: ByteBuffer,
        headers: HTTPHeaders = [:],
        provider: String,
        now: Date = Date()
    ) -> PoolError {
        let upstream = UpstreamError(body)
        let message = "provider '\(provider)' answered HTTP \(status.code): \(upstream.message ?? status.reasonPhrase)"
        let code: PoolError.Code
        if upstream.isContextLengthExceeded(status: status.code) {
            code = .contextLengthExceeded
        } else {
            switch status.code {
            case 400, 422: code = .invalidArgument
            case 404: code = .notFound
            case 413: code = .payloadTooLarge
            case 429: code = .resourceExhausted
            default: code = .upstreamFailed
            }
        }
        var error = PoolError(code: code, message: message)
        if error.isCallerFault { error.param = upstream.param ?? (code == .contextLengthExceeded ? "messages" : nil) }
        if code == .resourceExhausted { error.retryAfter = retryAfter(in: headers, now: now) }
        return error
    }

    /// The longest `Retry-After` honoured: a provider cannot take itself out of the pool for longer.
    static let maxRetryAfter = Duration.seconds(600)

    /// The wait an error response asks for: `retry-after-ms` (OpenAI's), else `Retry-After` in
    /// seconds or as an HTTP date (RFC 9110 §10.2.3); capped at ``maxRetryAfter``, `nil` when absent
    /// or unreadable.
    static func retryAfter(in headers: HTTPHeaders, now: Date = Date()) -> Duration? {
        var wait: Duration?
        if let text = headers.first(name: "retry-after-ms"), let milliseconds = Double(text), milliseconds >= 0 {
            wait = .milliseconds(milliseconds)
        } else if let text = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) {
            if let seconds = Double(text), seconds >= 0 {
                wait = .milliseconds(seconds * 1000)
            } else if let date = httpDate(text) {
                wait = .milliseconds(max(0, date.timeIntervalSince(now)) * 1000)
            }
        }
        return wait.map { min($0, maxRetryAfter) }
    }

    /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires senders to use.
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// Maps any error thrown while calling a backend; ``PoolError``s pass through unchanged.
    static func map(_ error: any Error, provider: String, url: String) -> PoolError {
        if let error = error as? PoolError { return error }
        if Task.isCancelled || error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return PoolError(
                code: .cancelled,
                message: "the call to provider '\(provider)' was cancelled",
                cause: error
            )
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return PoolError(
                    code: .deadlineExceeded,
                    message: "provider '\(provider)' did not answer in time",
                    cause: error
                )
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return unavailable(provider: provider, url: url, reason: "connect timeout", cause: error)
            case .remoteConnectionClosed:
                return PoolError(
                    code: .upstreamFailed,
                    message: "provider '\(provider)' closed the connection without a complete answer",
                    cause: error
                )
            default:
                break
            }
        }
        if error is NIOConnectionError {
            return unavailable(provider: provider, url: url, reason: "connection refused", cause: error)
        }
        if case ChannelError.connectTimeout = error {
            return unavailable(provider: provider, url: url, reason: "connect timeout", cause: error)
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH:
                return unavailable(provider: provider, url: url, reason: "connection refused", cause: error)
            case ECONNRESET, EPIPE:
                return PoolError(
                    code: .upstreamFailed,
                    message: "provider '\(provider)' reset the connection",
                    cause: error
                )
            default:
                break
            }
        }
        return PoolError(
            code: .upstreamFailed,
            message: "the call to provider '\(provider)' failed: \(error)",
            cause: error
        )
    }

    /// Whether an error is a connection the backend reset or closed (rather than an answer).
    static func isConnectionDrop(_ error: PoolError) -> Bool {
        if let cause = error.cause as? HTTPClientError, cause == .remoteConnectionClosed { return true }
        if let cause = error.cause as? IOError, [ECONNRESET, EPIPE].contains(cause.errnoCode) { return true }
        switch error.cause as? ChannelError {
        case .ioOnClosedChannel?, .eof?, .alreadyClosed?: return true
        default: return false
        }
    }

    private static func unavailable(provider: String, url: String, reason: String, cause: any Error) -> PoolError {
        PoolError(
            code: .unavailable,
            message: "cannot connect to provider '\(provider)' at \(url): \(reason)",
            cause: cause
        )
    }

    /// The message of an error body in Ollama's (`{"error": "…"}`) or OpenAI's
    /// (`{"error": {"message": "…"}}`) shape, or its first 200 characters of text.
    static func upstreamMessage(in body: ByteBuffer) -> String? {
        UpstreamError(body).message
    }
}

/// What an upstream error body says, in any of the shapes servers use: Ollama's
/// `{"error": "…"}`, OpenAI's `{"error": {"message", "type", "param", "code"}}` (llama-cpp-python,
/// vLLM, LM Studio), or llama.cpp's server, whose `code` is the HTTP status as a number and whose
/// context overflow is `type: "exceed_context_size_error"`.
struct UpstreamError {
    var message: String?
    var type: String?
    var code: String?
    var param: String?
    /// The body as text, for the markers a shape-less body may carry.
    var text: String

    init(_ body: ByteBuffer) {
        text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        let data = Data(body.readableBytesView)
        if let flat = try? JSONDecoder().decode(Flat.self, from: data) {
            message = flat.error
        } else if let nested = try? JSONDecoder().decode(Nested.self, from: data) {
            message = nested.error.message
            type = nested.error.type
            code = nested.error.code?.text
            param = nested.error.param
        }
        if message == nil, !text.isEmpty { message = String(text.prefix(200)) }
    }

    /// Whether the request did not fit the model's context: OpenAI's code (at any status), or at a
    /// 4xx, llama.cpp's type or the wording of vLLM and Ollama.
    func isContextLengthExceeded(status: UInt) -> Bool {
        if code == "context_length_exceeded" || type == "context_length_exceeded" { return true }
        guard (400..<500).contains(status), status != 429 else { return text.contains("context_length_exceeded") }
        if type == "exceed_context_size_error" || text.contains("context_length_exceeded") { return true }
        let lowered = (message ?? "").lowercased()
        return ["maximum context length", "context length", "context window", "context size"].contains {
            lowered.contains($0)
        }
    }

    private struct Flat: Decodable { var error: String }
    private struct Nested: Decodable {
        struct Detail: Decodable {
            var message: String
            var type: String?
            var param: String?
            var code: Code?
        }
        var error: Detail
    }
    /// `code` as a string (OpenAI) or a number (llama.cpp's server).
    private enum Code: Decodable {
        case text(String)
        case number(Int)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                self = .number(number)
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        var text: String {
            switch self {
            case .text(let text): text
            case .number(let number): String(number)
            }
        }
    }
}
