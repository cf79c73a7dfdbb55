import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a test server, for what HTTP clients never do: send half a request,
/// sit idle, send `Expect: 100-continue` and wait, or leave while a request runs.
struct RawHTTPConnection: Sendable {
    /// What the server sent so far, and whether it closed the connection.
    final class Received: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let state = Mutex<(text: String, closed: Bool)>(("", false))

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data))
            state.withLock { $0.text += text }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLock { $0.closed = true }
            context.fireChannelInactive()
        }
    }

    let channel: any Channel
    let received: Received

    /// Connects to `127.0.0.1:port`.
    static func connect(port: Int) async throws -> RawHTTPConnection {
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(received) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawHTTPConnection(channel: channel, received: received)
    }

    /// Writes text as it is.
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Waits until what the server sent contains `text` (or, with `nil`, until it closes the
    /// connection), at most `limit`; returns everything received and whether it closed.
    func read(until text: String? = nil, within limit: Duration) async throws -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            let now = received.state.withLock { $0 }
            if let text, now.text.contains(text) { return now }
            if now.closed { return now }
            try await Task.sleep(for: .milliseconds(10))
        }
        return received.state.withLock { $0 }
    }

    /// Closes the connection.
    func close() async throws {
        try await channel.close()
    }
}
