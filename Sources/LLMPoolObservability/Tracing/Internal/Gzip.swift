import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPCompression

/// gzip (RFC 1952) for `Content-Encoding: gzip` request bodies, by zlib through swift-nio-extras.
///
/// NIOHTTPCompression offers zlib only as channel handlers, so the body goes through a
/// `NIOHTTPRequestCompressor` in an `EmbeddedChannel`: a head, the whole body and the end written
/// before one flush, which the handler answers with the body compressed in one piece: a complete
/// gzip member.
enum Gzip {
    static func compress(_ input: [UInt8]) -> [UInt8] {
        let channel = EmbeddedChannel(handler: NIOHTTPRequestCompressor(encoding: .gzip))
        defer { _ = try? channel.finish() }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: input))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)

        var output: [UInt8] = []
        // The embedded channel only holds what was written; reading it back cannot fail.
        while let part = try? channel.readOutbound(as: HTTPClientRequestPart.self) {
            if case .body(.byteBuffer(let buffer)) = part { output += buffer.readableBytesView }
        }
        return output
    }
}
