import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Synchronization

/// Reads the token usage out of a response body as it is written, so the rate limiter can replace
/// its estimate with what the request really used.
///
/// JSON answers carry `usage` (`inputTokens`/`outputTokens` in the native API,
/// `prompt_tokens`/`completion_tokens`/`total_tokens` in the OpenAI API); event streams carry it in
/// the `final` chunk (native) or the usage chunk (OpenAI, with `stream_options.include_usage`).
/// Bodies are read up to 1 MiB; past that, or when no usage is found, the estimate stands.
final class UsageTap: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var overflowed = false
        var tokens: Int?
    }

    private static let limit = 1 << 20
    private static let eventSeparator: [UInt8] = Array("\n\n".utf8)
    private let streaming: Bool
    private let state = Mutex(State())

    private init(streaming: Bool) {
        self.streaming = streaming
    }

    /// A body writing the same bytes as `body`, then calling `onFinish` with the tokens found
    /// (also when writing fails part way).
    static func wrap(_ body: ResponseBody, streaming: Bool, onFinish: @escaping @Sendable (Int?) async -> Void)
        -> ResponseBody
    {
        let tap = UsageTap(streaming: streaming)
        let contentLength = body.contentLength
        let tapped = body.map { buffer in
            tap.consume(buffer)
            return buffer
        }
        return ResponseBody(contentLength: contentLength) { writer in
            do {
                try await tapped.write(writer)
            } catch {
                await onFinish(tap.finish())
                throw error
            }
            await onFinish(tap.finish())
        }
    }

    private func consume(_ buffer: ByteBuffer) {
        state.withLock { state in
            guard !state.overflowed else { return }
            state.pending.append(contentsOf: buffer.readableBytesView)
            if streaming {
                // Server-sent events end with a blank line; parse each complete one.
                while let end = Self.firstSeparator(in: state.pending) {
                    let event = Array(state.pending[..<end])
                    state.pending.removeFirst(end + Self.eventSeparator.count)
                    if let tokens = Self.tokens(inEvent: event) { state.tokens = tokens }
                }
            }
            if state.pending.count > Self.limit {
                state.overflowed = true
                state.pending = []
            }
        }
    }

    private func finish() -> Int? {
        state.withLock { state in
            if !streaming, !state.overflowed, let tokens = Self.tokens(inJSON: state.pending) { state.tokens = tokens }
            return state.tokens
        }
    }

    private static func firstSeparator(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 0x0A && bytes[index + 1] == 0x0A {
            return index
        }
        return nil
    }

    private static func tokens(inEvent event: [UInt8]) -> Int? {
        let text = String(decoding: event, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("data: ") && line.contains("sage") {
            if let tokens = tokens(inJSON: Array(line.dropFirst(6).utf8)) { return tokens }
        }
        return nil
    }

    private static func tokens(inJSON bytes: [UInt8]) -> Int? {
        guard !bytes.isEmpty, let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        else { return nil }
        return tokens(in: object)
    }

    static func tokens(in object: [String: Any]) -> Int? {
        if let usage = object["usage"] as? [String: Any] {
            if let total = int(usage["total_tokens"]) { return total }
            let input = int(usage["inputTokens"]) ?? int(usage["input_tokens"]) ?? int(usage["prompt_tokens"])
            let output = int(usage["outputTokens"]) ?? int(usage["output_tokens"]) ?? int(usage["completion_tokens"])
            // proto3 JSON leaves out zero counts, so a missing count is 0.
            return (input ?? 0) + (output ?? 0)
        }
        if let final = object["final"] as? [String: Any] { return tokens(in: final) }
        return nil
    }

    private static func int(_ value: Any?) -> Int? {
        switch value {
        case let number as Int: return number
        case let number as Double: return Int(number)
        case let text as String: return Int(text)
        default: return nil
        }
    }
}
