import Foundation
import LLMPoolProto
import Tracing

extension FinishedSpan {
    /// The span as an OTLP `Span` message.
    var otlp: Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = Data(context.traceID.bytes)
        span.spanID = Data(context.spanID.bytes)
        span.traceState = context.traceState ?? ""
        span.parentSpanID = parentSpanID.map { Data($0.bytes) } ?? Data()
        span.flags = Self.otlpFlags(context, parentIsRemote: parentIsRemote)
        span.name = name
        span.kind = kind.otlp
        span.startTimeUnixNano = startTimeUnixNano
        span.endTimeUnixNano = endTimeUnixNano
        span.attributes = attributes.otlp
        span.events = events.map(\.otlp)
        span.droppedEventsCount = UInt32(clamping: droppedEventsCount)
        span.links = links.map(\.otlp)
        span.droppedLinksCount = UInt32(clamping: droppedLinksCount)
        if let status { span.status = status.otlp }
        return span
    }

    // OTLP `SpanFlags`: bits 0-7 are the W3C trace flags; bit 8 says whether bit 9 (the parent is
    // remote) is known.
    static func otlpFlags(_ context: SpanContext, parentIsRemote: Bool) -> UInt32 {
        UInt32(context.traceFlags) | 0x100 | (parentIsRemote ? 0x200 : 0)
    }
}

extension FinishedSpan.Link {
    var otlp: Opentelemetry_Proto_Trace_V1_Span.Link {
        var link = Opentelemetry_Proto_Trace_V1_Span.Link()
        link.traceID = Data(context.traceID.bytes)
        link.spanID = Data(context.spanID.bytes)
        link.traceState = context.traceState ?? ""
        link.attributes = attributes.otlp
        link.flags = FinishedSpan.otlpFlags(context, parentIsRemote: context.isRemote)
        return link
    }
}

extension SpanEvent {
    var otlp: Opentelemetry_Proto_Trace_V1_Span.Event {
        var event = Opentelemetry_Proto_Trace_V1_Span.Event()
        event.timeUnixNano = nanosecondsSinceEpoch
        event.name = name
        event.attributes = attributes.otlp
        return event
    }
}

extension SpanKind {
    var otlp: Opentelemetry_Proto_Trace_V1_Span.SpanKind {
        switch self {
        case .server: .server
        case .client: .client
        case .producer: .producer
        case .consumer: .consumer
        case .internal: .internal
        }
    }
}

extension SpanStatus {
    var otlp: Opentelemetry_Proto_Trace_V1_Status {
        var status = Opentelemetry_Proto_Trace_V1_Status()
        switch code {
        case .ok:
            status.code = .ok
        case .error:
            status.code = .error
            status.message = message ?? ""
        }
        return status
    }
}

extension SpanAttributes {
    /// The attributes as OTLP key-values, sorted by key so encodings are reproducible.
    var otlp: [Opentelemetry_Proto_Common_V1_KeyValue] {
        var pairs: [Opentelemetry_Proto_Common_V1_KeyValue] = []
        pairs.reserveCapacity(count)
        forEach { key, attribute in
            guard let value = attribute.otlp else { return }
            var pair = Opentelemetry_Proto_Common_V1_KeyValue()
            pair.key = key
            pair.value = value
            pairs.append(pair)
        }
        return pairs.sorted { $0.key < $1.key }
    }
}

extension SpanAttribute {
    var otlp: Opentelemetry_Proto_Common_V1_AnyValue? {
        var value = Opentelemetry_Proto_Common_V1_AnyValue()
        switch self {
        case .int32(let int): value.intValue = Int64(int)
        case .int64(let int): value.intValue = int
        case .double(let double): value.doubleValue = double
        case .bool(let bool): value.boolValue = bool
        case .string(let string): value.stringValue = string
        case .stringConvertible(let convertible): value.stringValue = convertible.description
        case .int32Array(let ints): value.arrayValue = .init(ints.map { .init(int: Int64($0)) })
        case .int64Array(let ints): value.arrayValue = .init(ints.map { .init(int: $0) })
        case .doubleArray(let doubles): value.arrayValue = .init(doubles.map { .init(double: $0) })
        case .boolArray(let bools): value.arrayValue = .init(bools.map { .init(bool: $0) })
        case .stringArray(let strings): value.arrayValue = .init(strings.map { .init(string: $0) })
        case .stringConvertibleArray(let convertibles):
            value.arrayValue = .init(convertibles.map { .init(string: $0.description) })
        default: return nil
        }
        return value
    }
}

extension Opentelemetry_Proto_Common_V1_AnyValue {
    init(string: String) { self.init(); stringValue = string }
    init(int: Int64) { self.init(); intValue = int }
    init(double: Double) { self.init(); doubleValue = double }
    init(bool: Bool) { self.init(); boolValue = bool }
}

extension Opentelemetry_Proto_Common_V1_ArrayValue {
    init(_ values: [Opentelemetry_Proto_Common_V1_AnyValue]) { self.init(); self.values = values }
}

extension Opentelemetry_Proto_Common_V1_KeyValue {
    init(key: String, string: String) {
        self.init()
        self.key = key
        value = .init(string: string)
    }
}
