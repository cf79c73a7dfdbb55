import Foundation
import LLMPoolProto
import SwiftProtobuf

/// Builds OTLP export requests: one resource (this process), one scope (`llm-pool`), the batch's spans.
struct OTLPTraceEncoder: Sendable {
    /// `service.instance.id`: random per process, as the OTel semantic conventions suggest.
    static let processInstanceID = UUID().uuidString.lowercased()

    let resource: Opentelemetry_Proto_Resource_V1_Resource
    let scope: Opentelemetry_Proto_Common_V1_InstrumentationScope

    init(configuration: TracingConfiguration, instanceID: String = Self.processInstanceID) {
        var attributes = configuration.resourceAttributes
        attributes["service.name"] = configuration.serviceName
        attributes["service.version"] = configuration.serviceVersion
        if attributes["service.instance.id"] == nil { attributes["service.instance.id"] = instanceID }
        attributes["telemetry.sdk.name"] = "llm-pool"
        attributes["telemetry.sdk.language"] = "swift"
        var resource = Opentelemetry_Proto_Resource_V1_Resource()
        resource.attributes = attributes.sorted { $0.key < $1.key }.map { .init(key: $0.key, string: $0.value) }
        self.resource = resource

        var scope = Opentelemetry_Proto_Common_V1_InstrumentationScope()
        scope.name = "llm-pool"
        scope.version = configuration.serviceVersion ?? ""
        self.scope = scope
    }

    func request(_ batch: [FinishedSpan]) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var scopeSpans = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scopeSpans.scope = scope
        scopeSpans.spans = batch.map(\.otlp)
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource = resource
        resourceSpans.scopeSpans = [scopeSpans]
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        request.resourceSpans = [resourceSpans]
        return request
    }

    func encode(_ batch: [FinishedSpan]) throws -> [UInt8] {
        try request(batch).serializedBytes()
    }
}
