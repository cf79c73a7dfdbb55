import Foundation
import Hummingbird
import NIOCore

/// Embeddings as the two protocols serve them: Ollama's `POST /api/embed` (`input` a string or a
/// list, answered `embeddings`) and OpenAI's `POST /v1/embeddings` (answered `data` with
/// `usage`). Vectors are deterministic: the same model and text always give the same unit
/// vector, so tests can compare what came back with what a second call gives.
struct EmbeddingRoutes: Sendable {
    let core: SimulatorCore
    /// The length of every vector.
    static let dimensions = 16

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("/api/embed") { request, _ in
            try await embed(request, endpoint: "/api/embed", dialect: OllamaDialect(endpoint: .chat))
        }
        router.post("/v1/embeddings") { request, _ in
            try await embed(request, endpoint: "/v1/embeddings", dialect: OpenAIDialect(includeUsage: false))
        }
    }

    /// `input`: one text or a list of texts (OpenAI also allows token arrays, read as text).
    private struct Body: Decodable {
        var model: String
        var inputs: [String]

        enum CodingKeys: String, CodingKey { case model, input }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            model = try container.decode(String.self, forKey: .model)
            if let text = try? container.decode(String.self, forKey: .input) {
                inputs = [text]
            } else if let texts = try? container.decode([String].self, forKey: .input) {
                inputs = texts
            } else if let tokens = try? container.decode([Int].self, forKey: .input) {
                inputs = [tokens.map(String.init).joined(separator: " ")]
            } else {
                let lists = try container.decode([[Int]].self, forKey: .input)
                inputs = lists.map { $0.map(String.init).joined(separator: " ") }
            }
        }
    }

    private func embed(_ request: Request, endpoint: String, dialect: some SimulatorDialect) async throws -> Response {
        var request = request
        let raw: ByteBuffer
        let body: Body
        do {
            raw = try await request.collectBody(upTo: SimulatorJSON.maxBodyBytes)
            body = try SimulatorJSON.decode(Body.self, from: raw)
        } catch {
            return SimulatorJSON.response(
                status: 400,
                dialect.errorBody(status: 400, message: "invalid body: \(error)")
            )
        }
        guard let model = core.models[body.model] else {
            core.recordUnknownModel()
            let message = "model '\(body.model)' not found"
            return SimulatorJSON.response(status: 404, dialect.errorBody(status: 404, message: message))
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        _ = core.recordRequest(
            SimulatedRequest(
                endpoint: endpoint,
                model: model.name,
                prompt: body.inputs.joined(separator: "\n"),
                streaming: false,
                maxTokens: nil,
                headers: headers,
                body: String(buffer: raw)
            )
        )
        if case .fail(let status, let message, _) = core.disposition(for: model, streaming: false) {
            core.record(.faulted, model: model.name)
            return SimulatorJSON.response(status: status, dialect.errorBody(status: status, message: message))
        }
        core.record(.completed, model: model.name)
        let vectors = body.inputs.map { Self.vector(model: model.name, text: $0) }
        let tokens = body.inputs.reduce(0) { $0 + max(1, $1.split(separator: " ").count) }
        if endpoint == "/api/embed" {
            return SimulatorJSON.response(
                status: 200,
                SimulatorJSON.buffer(OllamaAnswer(model: model.name, embeddings: vectors, promptEvalCount: tokens))
            )
        }
        let data = vectors.enumerated().map { OpenAIAnswer.Item(index: $0.offset, embedding: $0.element) }
        return SimulatorJSON.response(
            status: 200,
            SimulatorJSON.buffer(OpenAIAnswer(data: data, model: model.name, usage: .init(promptTokens: tokens)))
        )
    }

    /// A unit vector from an FNV-1a hash of the model and text.
    static func vector(model: String, text: String) -> [Double] {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (model + "\u{0}" + text).utf8 {
            state = (state ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var values: [Double] = []
        for _ in 0..<dimensions {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Double(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1)
        }
        let norm = max(values.reduce(0) { $0 + $1 * $1 }.squareRoot(), .leastNonzeroMagnitude)
        return values.map { ($0 / norm * 1e6).rounded() / 1e6 }
    }

    private struct OllamaAnswer: Encodable {
        var model: String
        var embeddings: [[Double]]
        var promptEvalCount: Int

        enum CodingKeys: String, CodingKey {
            case model, embeddings
            case promptEvalCount = "prompt_eval_count"
        }
    }

    private struct OpenAIAnswer: Encodable {
        struct Item: Encodable {
            var object = "embedding"
            var index: Int
            var embedding: [Double]
        }
        struct Usage: Encodable {
            var promptTokens: Int
            var totalTokens: Int { promptTokens }

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case totalTokens = "total_tokens"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(promptTokens, forKey: .promptTokens)
                try container.encode(totalTokens, forKey: .totalTokens)
            }
        }
        var object = "list"
        var data: [Item]
        var model: String
        var usage: Usage
    }
}
