import Hummingbird
import NIOCore

/// A response body writer lent to the orchestrator's stream handler, with the little state the
/// handler keeps between events (the model name of OpenAI chunks).
///
/// `@unchecked Sendable` is safe here: `Orchestrator.stream(_:onEvent:)` calls its handler one
/// event at a time, awaiting each call before the next, and the route uses `writer` and `state`
/// again only after `stream` returned; every access is ordered after the previous one.
final class StreamedBody<State>: @unchecked Sendable {
    var writer: any ResponseBodyWriter
    var state: State

    init(_ writer: any ResponseBodyWriter, state: State) {
        self.writer = writer
        self.state = state
    }

    func write(_ buffer: ByteBuffer) async throws {
        try await writer.write(buffer)
    }
}

extension StreamedBody where State == Void {
    convenience init(_ writer: any ResponseBodyWriter) {
        self.init(writer, state: ())
    }
}
