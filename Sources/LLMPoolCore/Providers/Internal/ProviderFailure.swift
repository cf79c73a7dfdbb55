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
/// | HTTP 4xx, 5xx, 429 | `upstreamFailed`, with the upstream message |
/// | connection reset or closed mid-answer | `upstreamFailed` |
/// | unparseable body | `upstreamFailed`, "malformed response from …" |
enum ProviderFailure {
    /// The call ran out of time.
    static func deadlineExceeded(provider: String, timeout: Duration, cause: (any Error)? = nil) -> PoolError {
        PoolError(
            code: .deadlineExceeded,
            message: "provider '\(provider)' did not answer within \(timeout.milliseconds) ms",
            cause: cause
        )
    }

    /// The body could not be understood.
    static func malformed(provider: String, _ detail: String, cause: (any Error)? = nil) -> PoolError {
        PoolError(code: .upstreamFailed, message: "malformed response from \(provider): \(detail)", cause: cause)
    }

    /// The backend answered with an error status.
    static func status(_ status: HTTPResponseStatus, body: ByteBuffer, provider: String) -> PoolError {
        let detail = upstreamMessage(in: body) ?? status.reasonPhrase
        return PoolError(
            code: .upstreamFailed,
            message: "provider '\(provider)' answered HTTP \(status.code): \(detail)"
        )
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
        struct Flat: Decodable { var error: String }
        struct Nested: Decodable {
            struct Detail: Decodable { var message: String }
            var error: Detail
        }
        let data = Data(body.readableBytesView)
        if let flat = try? JSONDecoder().decode(Flat.self, from: data) { return flat.error }
        if let nested = try? JSONDecoder().decode(Nested.self, from: data) { return nested.error.message }
        let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : String(text.prefix(200))
    }
}
