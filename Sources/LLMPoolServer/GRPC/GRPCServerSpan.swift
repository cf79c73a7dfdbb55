import GRPCCore
import LLMPoolCore
import LLMPoolObservability
import Tracing

/// The server span of a gRPC call, continuing the caller's `traceparent` metadata: the same
/// place in the span tree as the HTTP door's server span, annotated by the ``Gateway``.
enum GRPCServerSpan {
    /// Starts the span; `nil` when telemetry is off.
    static func start(_ name: String, metadata: Metadata, requestID: String, _ gateway: Gateway) -> RecordedSpan? {
        let telemetry = gateway.orchestrator.telemetry
        guard telemetry.isEnabled else { return nil }
        var parent = ServiceContext.current ?? .topLevel
        telemetry.tracer.extract(metadata, into: &parent, using: GRPCMetadataExtractor())
        let span = telemetry.tracer.startSpan(name, context: parent, ofKind: .server)
        if span.isRecording {
            span.attributes["rpc.system"] = "grpc"
            span.attributes["rpc.method"] = name
            span.attributes["llm_pool.request_id"] = requestID
        }
        return span
    }

    /// Ends the span with the RPC's status.
    static func end(_ span: RecordedSpan?, error: RPCError?) {
        guard let span else { return }
        if let error {
            span.attributes["rpc.grpc.status_code"] = error.code.rawValue
        } else {
            span.attributes["rpc.grpc.status_code"] = 0
        }
        span.end()
    }

    /// Runs `body` in a server span (the current `ServiceContext` while it runs).
    static func run<T>(
        _ name: String,
        metadata: Metadata,
        requestID: String,
        _ gateway: Gateway,
        _ body: (RecordedSpan?) async -> T
    ) async -> T {
        guard let span = start(name, metadata: metadata, requestID: requestID, gateway) else { return await body(nil) }
        defer { span.end() }
        return await ServiceContext.withValue(span.context) { await body(span) }
    }
}

/// Reads W3C trace context from gRPC request metadata.
struct GRPCMetadataExtractor: Extractor {
    func extract(key: String, from carrier: Metadata) -> String? {
        for value in carrier[key] {
            if case .string(let text) = value { return text }
        }
        return nil
    }
}
