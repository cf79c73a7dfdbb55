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
    let edge: HTTPEdge
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
            try await infer(request, context: context)
        }
        router.post("/v1/infer/stream") { request, context in
            try await stream(request, context: context)
        }
    }

    private func infer(_ request: Request, context: PoolRequestContext) async throws -> Response {
        let inference: InferenceRequest
        do {
            inference = try await decode(request, context: context)
        } catch {
            return edge.rejected(error, api: .http, request: request, context: context, streaming: false)
        }
        let admission = await edge.gateway.admit(
            edge.call(inference, request: request, context: context, streaming: false)
        )
        if let rejection = admission.rejection { return edge.failed(rejection, admission: admission, context: context) }
        let answer: InferenceAnswer
        do {
            answer = try await edge.gateway.infer(admission)
        } catch {
            return edge.failed(error, admission: admission, context: context)
        }
        // An answer that cannot be encoded is a 500, never an empty 200.
        let data = try Vvtv_Llmpool_V1_Answer(answer).jsonUTF8Data(options: Self.encodingOptions)
        var response = HTTPJSON.response(data: data, requestID: context.requestID)
        response.headers.annotate(with: answer, task: inference.task)
        HTTPEdge.apply(admission.rateLimitFields, to: &response.headers)
        return response
    }

    private func stream(_ request: Request, context: PoolRequestContext) async throws -> Response {
        let inference: InferenceRequest
        do {
            inference = try await decode(request, context: context)
        } catch {
            return edge.rejected(error, api: .http, request: request, context: context, streaming: true)
        }
        let admission = await edge.gateway.admit(
            edge.call(inference, request: request, context: context, streaming: true)
        )
        if let rejection = admission.rejection { return edge.failed(rejection, admission: admission, context: context) }
        let opened: OpenedStream
        do {
            opened = try await edge.gateway.openStream(admission)
        } catch {
            return edge.failed(error, admission: admission, context: context)
        }
        var headers = HTTPJSON.sseHeaders(requestID: context.requestID)
        headers[.poolTask] = inference.task
        HTTPEdge.apply(admission.rateLimitFields, to: &headers)
        let gateway = edge.gateway
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                let body = StreamedBody(writer)
                do {
                    _ = try await gateway.stream(opened) { event in
                        guard let chunk = Vvtv_Llmpool_V1_AnswerChunk(event) else { return }
                        let data = try chunk.jsonUTF8Data(options: Self.encodingOptions)
                        try await HTTPEdge.send(SSE.event(data), to: body)
                    }
                } catch let error as PoolError where error.code == .cancelled {
                    throw error  // the client went away: nobody to tell
                } catch {
                    // The status line is sent: the error travels as the stream's last event.
                    let data = ChatCompletionResponse.json(PoolError.fromHTTP(error).openAIErrorJSON())
                    try await body.write(SSE.event(data, name: "error"))
                }
                writer = body.writer
                try await writer.finish(nil)
            }
        )
    }

    /// Decodes the body, once, into the domain request.
    private func decode(_ request: Request, context: PoolRequestContext) async throws -> InferenceRequest {
        let buffer = try await HTTPJSON.body(of: request, maxBytes: maxBodyBytes)
        guard buffer.readableBytes > 0 else {
            throw PoolError(code: .invalidArgument, message: "request body is empty; expected a Query JSON object")
        }
        let query: Vvtv_Llmpool_V1_Query
        do {
            query = try Vvtv_Llmpool_V1_Query(jsonUTF8Data: Data(buffer: buffer), options: Self.decodingOptions)
        } catch let error as JSONDecodingError {
            throw QueryJSONDiagnosis.fault(in: Data(buffer: buffer))
                ?? PoolError(code: .invalidArgument, message: "malformed Query JSON: \(Self.describe(error))")
        } catch {
            throw PoolError(code: .invalidArgument, message: "malformed Query JSON: \(error)")
        }
        var inference = try query.inferenceRequest(requestID: context.requestID)
        inference.api = .http
        return inference
    }

    static func describe(_ error: JSONDecodingError) -> String {
        switch error {
        case .unrecognizedEnumValue:
            return "unknown enum value (strategy must be one of "
                + "\(StrategyKind.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unknownField(let name): return "unknown field '\(name)'"
        case .malformedNumber: return "a number field is malformed"
        case .numberRange: return "a number is out of range"
        case .truncated: return "the JSON ends early"
        default: return "\(error)"
        }
    }
}
