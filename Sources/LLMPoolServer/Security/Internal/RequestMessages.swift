import GRPCCore
import SwiftProtobuf

/// Reads a gRPC request's messages ahead of the handler, and hands the handler the same messages.
///
/// The interceptors need the request message before the service sees it (its bytes for the HMAC
/// signature, its tenant and size for rate limits). llm-pool's RPCs take one request message, so
/// holding them is bounded by `server.max_body_bytes`.
enum RequestMessages {
    /// The messages of `request`, and a request that replays them.
    static func buffer<Input: Sendable>(_ request: StreamingServerRequest<Input>) async throws -> (
        [Input], StreamingServerRequest<Input>
    ) {
        var messages: [Input] = []
        for try await message in request.messages { messages.append(message) }
        let (stream, continuation) = AsyncThrowingStream<Input, any Error>.makeStream()
        for message in messages { continuation.yield(message) }
        continuation.finish()
        return (
            messages, StreamingServerRequest(metadata: request.metadata, messages: RPCAsyncSequence(wrapping: stream))
        )
    }

    /// The messages serialized deterministically (map entries in key order) and concatenated:
    /// the "body" an HMAC signature covers over gRPC.
    static func signedBytes<Input>(_ messages: [Input]) throws -> [UInt8] {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        var bytes: [UInt8] = []
        for message in messages {
            guard let message = message as? any SwiftProtobuf.Message else { continue }
            bytes += try message.serializedBytes(options: options) as [UInt8]
        }
        return bytes
    }

    /// The first string value of a metadata key.
    static func first(_ key: String, in metadata: Metadata) -> String? {
        for value in metadata[key] {
            if case .string(let text) = value { return text }
        }
        return nil
    }
}
