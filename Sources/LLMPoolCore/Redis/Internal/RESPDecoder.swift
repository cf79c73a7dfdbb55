import NIOCore

/// Turns the byte stream from Redis into ``RedisValue``s, one per reply.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RedisValue

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try RESPParser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A partial reply at EOF is dropped: the command handler fails its promise on close.
        try decode(context: context, buffer: &buffer)
    }
}
