import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import LLMPoolProto
import NIOCore
import NIOFoundationCompat
import SwiftProtobuf

/// The native JSON API: `POST /v1/infer` takes the proto3 JSON mapping of `Query` and returns an
/// `Answer`; `POST /v1/infer/stream` returns the `AnswerChunk`s as server-sent events.
struct InferRoutes {
    let orchestrator: Orchestrator
    let maxBodyBytes: Int

    /// Field names as written in the `.proto` are accepted too (proto3 JSON parsers must).
    static let decodingOptions: JSONDecodingOptions = {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = false
        return options
    }()

    static let encodingOptions: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.useDeterministicOrdering = true
        return options
    }()

    func register(on router: Router<PoolRequestContext>) {
        router.post("/v1/infer") { request, context in
            let inference = try await inferenceRequest(request, context: context)
            let answer = try await orchestrator.infer(inference)
            var response = HTTPJSON.response(
                data: try Vvtv_Llmpool_V1_Answer(answer).jsonUTF8Data(options: Self.encodingOptions),
                requestID: context.requestID
            )
            response.headers.annotate(with: answer, task: inference.task)
            return response
        }
        router.post("/v1/infer/stream") { request, context in
            let inference = try await inferenceRequest(request, context: context)
            var headers = HTTPJSON.sseHeaders(requestID: context.requestID)
            headers[.poolTask] = inference.task
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody { writer in
                    let body = StreamedBody(writer)
                    do {
                        _ = try await orchestrator.stream(inference) { event in
                            let chunk = Vvtv_Llmpool_V1_AnswerChunk(event)
                            try await body.write(SSE.event(try chunk.jsonUTF8Data(options: Self.encodingOptions)))
                        }
                    } catch {
                        let poolError = PoolError.fromHTTP(error)
                        try await body.write(
                            SSE.event(ChatCompletionResponse.json(poolError.openAIErrorJSON()), name: "error")
                        )
                    }
                    writer = body.writer
                    try await writer.finish(nil)
                }
            )
        }
    }

    /// Decodes the body into a request for the orchestrator; a rejected body is counted.
    private func inferenceRequest(_ request: Request, context: PoolRequestContext) async throws -> InferenceRequest {
        do {
            var inference = try await decodeQuery(request).inferenceRequest(requestID: context.requestID)
            inference.api = .http
            if let tenant = context.principal?.tenant { inference.tenant = tenant }
            return inference
        } catch {
            orchestrator.recordRejected(api: .http, error: error)
            throw error
        }
    }

    private func decodeQuery(_ request: Request) async throws -> Vvtv_Llmpool_V1_Query {
        let buffer = try await HTTPJSON.body(of: request, maxBytes: maxBodyBytes)
        guard buffer.readableBytes > 0 else {
            throw PoolError(code: .invalidArgument, message: "request body is empty; expected a Query JSON object")
        }
        do {
            var query = try Vvtv_Llmpool_V1_Query(jsonUTF8Data: Data(buffer: buffer), options: Self.decodingOptions)
            if query.requestID.isEmpty { query.requestID = "" }
            return query
        } catch let error as JSONDecodingError {
            throw PoolError(code: .invalidArgument, message: "malformed Query JSON: \(Self.describe(error))")
        } catch {
            throw PoolError(code: .invalidArgument, message: "malformed Query JSON: \(error)")
        }
    }

    static func describe(_ error: JSONDecodingError) -> String {
        switch error {
        case .unrecognizedEnumValue:
            return
                "unknown enum value (strategy must be one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unknownField(let name): return "unknown field '\(name)'"
        case .malformedNumber: return "a number field is malformed"
        case .numberRange: return "a number is out of range"
        case .truncated: return "the JSON ends early"
        default: return "\(error)"
        }
    }
}
