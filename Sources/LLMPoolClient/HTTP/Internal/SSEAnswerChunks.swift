import AsyncHTTPClient
import Foundation
import LLMPoolProto
import NIOCore
import SwiftProtobuf

/// The `AnswerChunk`s of a `/v1/infer/stream` body: server-sent events (WHATWG HTML, "Parsing an
/// event stream") whose `data` is a chunk in proto3 JSON; an `event: error` ends the stream with
/// its error.
public struct SSEAnswerChunks: AsyncSequence, Sendable {
    public typealias Element = Vvtv_Llmpool_V1_AnswerChunk

    let body: HTTPClientResponse.Body
    let requestID: String?

    /// Iterates the chunks, reading the body as they are asked for.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        let requestID: String?
        var pending: [UInt8] = []
        var finished = false
        var event = ""
        var data: [String] = []

        public mutating func next() async throws -> Vvtv_Llmpool_V1_AnswerChunk? {
            while true {
                while let line = takeLine() {
                    if let chunk = try dispatch(line) { return chunk }
                }
                if finished {
                    // A last event without its blank line still counts.
                    if !pending.isEmpty {
                        let rest = String(decoding: pending, as: UTF8.self)
                        pending = []
                        if let chunk = try dispatch(rest) { return chunk }
                    }
                    return try dispatch("")
                }
                do {
                    if let buffer = try await body.next() {
                        pending += buffer.readableBytesView
                    } else {
                        finished = true
                    }
                } catch {
                    throw LLMPoolClientError(
                        code: .transport,
                        message: "the stream broke: \(error)",
                        requestID: requestID,
                        cause: error
                    )
                }
            }
        }

        private mutating func takeLine() -> String? {
            guard let end = pending.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) else { return nil }
            let line = String(decoding: pending[..<end], as: UTF8.self)
            var next = end + 1
            if pending[end] == 0x0D {
                // A CR at the buffer's end may be the first half of CRLF: wait for more bytes.
                if next == pending.count && !finished { return nil }
                if next < pending.count && pending[next] == 0x0A { next += 1 }
            }
            pending.removeFirst(next)
            return line
        }

        private mutating func dispatch(_ line: String) throws -> Vvtv_Llmpool_V1_AnswerChunk? {
            if line.isEmpty {
                defer { (event, data) = ("", []) }
                guard !data.isEmpty else { return nil }
                let text = data.joined(separator: "\n")
                if event == "error" {
                    throw LLMPoolClientError(errorBody: Array(text.utf8), status: nil, requestID: requestID)
                }
                if text == "[DONE]" { return nil }
                do {
                    var options = JSONDecodingOptions()
                    options.ignoreUnknownFields = true
                    return try Vvtv_Llmpool_V1_AnswerChunk(jsonString: text, options: options)
                } catch {
                    throw LLMPoolClientError(
                        code: .invalidResponse,
                        message: "not an AnswerChunk: \(text.prefix(200))",
                        requestID: requestID,
                        cause: error
                    )
                }
            }
            if line.hasPrefix(":") { return nil }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            var value = parts.count > 1 ? String(parts[1]) : ""
            if value.hasPrefix(" ") { value.removeFirst() }
            switch parts[0] {
            case "event": event = value
            case "data": data.append(value)
            default: break
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: body.makeAsyncIterator(), requestID: requestID)
    }
}
