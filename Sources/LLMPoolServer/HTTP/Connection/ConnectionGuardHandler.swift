import HTTPTypes
import LLMPoolObservability
import NIOCore
import NIOHTTPTypes

/// Watches one HTTP/1 connection, after HTTP decoding:
///
/// - **Idle timeout**: a connection with no request in progress (or one whose head has not
///   arrived: a half-sent header) for `server.idle_timeout_ms` is closed.
/// - **Read timeout**: a request whose body has not arrived whole `server.read_timeout_ms` after
///   its head is closed (a half-sent body holds no handler for ever).
/// - **`Expect: 100-continue`** is answered `100 Continue` at once, so such clients (curl for
///   bodies over 1 KiB) send their body without waiting out their own timer.
/// - **The client leaving**: the connection's ``Latch`` fires when its input closes or the
///   channel goes inactive, so the request it was serving is cancelled even while nothing is
///   being written (an upstream that hangs or stalls).
///
/// Closes are counted in `llm_pool_http_connections_closed_total{reason}`. Hand-written because
/// Hummingbird's own idle handler leaves a request whose body never ends open, and neither it
/// nor NIO answers `Expect: 100-continue`.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        /// Between requests.
        case idle
        /// A request's head arrived, its end not yet.
        case reading
        /// The request arrived whole; its response is not finished.
        case serving
    }

    private let idleTimeout: TimeAmount
    private let readTimeout: TimeAmount
    private let closes: CounterFamily?
    private var phase = Phase.idle
    private var timer: Scheduled<Void>?
    private var latch: Latch?
    private var countedLeave = false

    init(idleTimeout: Duration, readTimeout: Duration, closes: CounterFamily?) {
        self.idleTimeout = TimeAmount(idleTimeout)
        self.readTimeout = TimeAmount(readTimeout)
        self.closes = closes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        latch = ConnectionSignals.register(context.channel)
        if context.channel.isActive { schedule(idleTimeout, reason: "idle", context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        ConnectionSignals.unregister(context.channel)
    }

    func channelActive(context: ChannelHandlerContext) {
        schedule(idleTimeout, reason: "idle", context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        clientLeft()
        ConnectionSignals.unregister(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            phase = .reading
            schedule(readTimeout, reason: "read_timeout", context: context)
            if head.headerFields[.expect]?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        case .body:
            break
        case .end:
            if phase == .reading {
                phase = .serving
                cancelTimer()
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), phase == .serving {
            phase = .idle
            schedule(idleTimeout, reason: "idle", context: context)
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent { clientLeft() }
        context.fireUserInboundEventTriggered(event)
    }

    /// The client is gone: wake the request it was making, and count it when one was running.
    private func clientLeft() {
        if phase != .idle, !countedLeave {
            countedLeave = true
            closes?.labels("client_gone").increment()
        }
        latch?.fire()
    }

    private func schedule(_ delay: TimeAmount, reason: String, context: ChannelHandlerContext) {
        cancelTimer()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: delay) { [self] in
            timer = nil
            closes?.labels(reason).increment()
            context.close(promise: nil)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
