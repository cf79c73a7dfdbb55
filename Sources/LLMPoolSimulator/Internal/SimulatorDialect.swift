import Foundation
import Hummingbird

/// How one API (Ollama, OpenAI) spells answers, streamed chunks and errors. The
/// ``InferenceResponder`` does the rest the same way for both.
protocol SimulatorDialect: Sendable {
    /// The `Content-Type` of a streamed answer.
    var streamContentType: String { get }
    /// A JSON error body.
    func errorBody(status: Int, message: String) -> ByteBuffer
    /// The 400 body of a request over ``SimulatorBehavior/contextTokens``.
    func contextLengthExceededBody(limit: Int, promptTokens: Int, maxTokens: Int) -> ByteBuffer
    /// The body of a non-streamed answer.
    func completeBody(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer
    /// The first bytes of the stream, before any token (may be empty).
    func streamStart(_ completion: SimulatedCompletion) -> ByteBuffer?
    /// The stream's chunks after ``streamStart(_:)``, one per token (text) or per piece of a tool
    /// call; a per-token delay separates them.
    func streamChunks(_ completion: SimulatedCompletion) -> [ByteBuffer]
    /// The end of the stream: final chunk, usage, terminator.
    func streamEnd(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer
    /// How a stream ends when ``SimulatorBehavior/interruptsStreams`` cuts it short (may be empty).
    func streamInterruption(_ completion: SimulatedCompletion) -> ByteBuffer?
    /// A stream element that is not valid JSON, for the malformed-body fault.
    var malformedChunk: ByteBuffer { get }
}

extension SimulatorDialect {
    func streamStart(_ completion: SimulatedCompletion) -> ByteBuffer? { nil }
    func streamInterruption(_ completion: SimulatedCompletion) -> ByteBuffer? { nil }
}

/// JSON encoding shared by the dialects and the admin API.
enum SimulatorJSON {
    /// Largest request body read.
    static let maxBodyBytes = 8 << 20

    /// Encodes a value; the simulator's own types always encode.
    static func buffer(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The simulator only encodes its own plain structs; failing here is a programmer error.
        guard let data = try? encoder.encode(value) else { preconditionFailure("simulator JSON encoding failed") }
        return ByteBuffer(bytes: data)
    }

    /// Decodes a request body.
    static func decode<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value {
        try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    }

    /// A JSON response.
    static func response(status: Int, _ body: ByteBuffer, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// Text that looks like the start of a JSON answer and then breaks off.
    static let malformed = ByteBuffer(string: "{\"model\": \"simulated\", \"choices\": [{\"message\": <<not json>>")
}
