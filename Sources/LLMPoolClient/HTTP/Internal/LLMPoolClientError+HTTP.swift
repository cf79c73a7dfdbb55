import Foundation
import NIOHTTP1

extension LLMPoolClientError {
    /// The OpenAI error shape: `{"error": {"message", "type", "param", "code"}}`.
    private struct Body: Decodable {
        struct Detail: Decodable {
            var message: String?
            var type: String?
            var param: String?
            var code: String?
        }
        var error: Detail?
    }

    /// The error an HTTP error response (or a stream's error event) describes.
    init(errorBody bytes: [UInt8], status: Int?, requestID: String?, headers: HTTPHeaders = [:]) {
        let detail = (try? JSONDecoder().decode(Body.self, from: Data(bytes)))?.error
        let code =
            detail?.code.flatMap(Code.init(serverName:))
            ?? status.map(Self.code(forHTTPStatus:)) ?? .unknown
        let text = String(decoding: bytes.prefix(500), as: UTF8.self)
        self.init(
            code: code,
            message: detail?.message ?? (text.isEmpty ? "HTTP \(status ?? 0)" : text),
            status: status,
            param: detail?.param,
            requestID: requestID,
            retryAfter: Self.serverWait(headers)
        )
    }

    /// The wait the server asked for: `Retry-After` in seconds, else the `x-ratelimit-reset-*` of a
    /// dimension with nothing remaining (`1.5s`).
    static func serverWait(_ headers: HTTPHeaders) -> Duration? {
        if let text = headers.first(name: "retry-after"), let seconds = Double(text), seconds >= 0 {
            return .milliseconds(Int64(seconds * 1000))
        }
        for dimension in ["requests", "tokens"] where headers.first(name: "x-ratelimit-remaining-\(dimension)") == "0" {
            if let reset = headers.first(name: "x-ratelimit-reset-\(dimension)"), reset.hasSuffix("s"),
                let seconds = Double(reset.dropLast())
            {
                return .milliseconds(Int64(seconds * 1000))
            }
        }
        return nil
    }
}
