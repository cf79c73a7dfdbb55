import Foundation
import Hummingbird

/// How one API (Ollama, OpenAI) spells answers, streamed chunks and errors. The
/// ``InferenceResponder`` does the rest the same way for both.
protocol SimulatorDialect: Sendable {
    /// The `Content-Type` of a streamed answer.
    var streamContentType: String { get }
    /// A JSON error body.
    func errorBody(status: Int, message: String) -> ByteBuffer
    /// The body of a non-streamed answer.
    func completeBody(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer
    /// The first bytes of the stream, before any token (may be empty).
    func streamStart(_ completion: SimulatedCompletion) -> ByteBuffer?
    /// One streamed token.
    func streamChunk(_ piece: String, of completion: SimulatedCompletion) -> ByteBuffer
    /// The end of the stream: final chunk, usage, terminator.
    func streamEnd(_ completion: SimulatedCompletion, elapsed: Duration) -> ByteBuffer
    /// A stream element that is not valid JSON, for the malformed-body fault.
    var malformedChunk: ByteBuffer { get }
}

extension SimulatorDialect {
    func streamStart(_ completion: SimulatedCompletion) -> ByteBuffer? { nil }
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
