/// Decides whether a new span is sampled (recorded and exported), as the OpenTelemetry SDK samplers do.
///
/// ``Kind`` raw values are the `OTEL_TRACES_SAMPLER` names. The parent-based kinds follow the
/// parent's sampled flag when there is a parent and apply their root sampler otherwise; the ratio
/// kinds decide from the trace id alone, so every service sampling the same trace agrees.
public struct Sampler: Sendable, Hashable, CustomStringConvertible {
    /// The sampling policy, named as in `OTEL_TRACES_SAMPLER`.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Sample every span.
        case alwaysOn = "always_on"
        /// Sample no span.
        case alwaysOff = "always_off"
        /// Sample a fraction ``Sampler/ratio`` of traces.
        case traceIDRatio = "traceidratio"
        /// Follow the parent; sample every root.
        case parentBasedAlwaysOn = "parentbased_always_on"
        /// Follow the parent; sample no root.
        case parentBasedAlwaysOff = "parentbased_always_off"
        /// Follow the parent; sample a fraction ``Sampler/ratio`` of roots.
        case parentBasedTraceIDRatio = "parentbased_traceidratio"
    }

    /// The policy.
    public var kind: Kind
    /// The fraction of traces the ratio kinds sample, in `0...1` (values outside are clamped);
    /// ignored by the other kinds.
    public var ratio: Double

    /// Creates a sampler.
    ///
    /// - Parameters:
    ///   - kind: The policy.
    ///   - ratio: The fraction of traces for the ratio kinds (default 1).
    public init(_ kind: Kind, ratio: Double = 1) {
        self.kind = kind
        self.ratio = ratio
    }

    /// Samples every span.
    public static let alwaysOn = Sampler(.alwaysOn)
    /// Samples no span.
    public static let alwaysOff = Sampler(.alwaysOff)
    /// Follows the parent and samples every root: the OpenTelemetry default.
    public static let parentBasedAlwaysOn = Sampler(.parentBasedAlwaysOn)

    /// Samples a fraction of traces by trace id.
    public static func traceIDRatio(_ ratio: Double) -> Sampler { Sampler(.traceIDRatio, ratio: ratio) }

    /// Follows the parent and samples a fraction of roots by trace id.
    public static func parentBasedTraceIDRatio(_ ratio: Double) -> Sampler {
        Sampler(.parentBasedTraceIDRatio, ratio: ratio)
    }

    /// Whether a span in `traceID` with `parent` (local or remote) is sampled.
    ///
    /// - Parameters:
    ///   - traceID: The new span's trace id (the parent's, when there is one).
    ///   - parent: The parent span context, or `nil` for a root span.
    public func shouldSample(traceID: TraceID, parent: SpanContext?) -> Bool {
        switch kind {
        case .alwaysOn: return true
        case .alwaysOff: return false
        case .traceIDRatio: return Self.ratioDecision(traceID, ratio)
        case .parentBasedAlwaysOn: return parent?.isSampled ?? true
        case .parentBasedAlwaysOff: return parent?.isSampled ?? false
        case .parentBasedTraceIDRatio: return parent?.isSampled ?? Self.ratioDecision(traceID, ratio)
        }
    }

    /// The OTel name, with the ratio for the ratio kinds: `parentbased_traceidratio(0.25)`.
    public var description: String {
        switch kind {
        case .traceIDRatio, .parentBasedTraceIDRatio: "\(kind.rawValue)(\(ratio))"
        default: kind.rawValue
        }
    }

    // The decision reads the trace id's last 56 bits, the part W3C Trace Context Level 2 (§3.2.2.3)
    // requires to be random, and samples when they fall below ratio × 2^56; so ratio 0 samples
    // nothing, ratio 1 everything, and a trace sampled at some ratio stays sampled at any higher one.
    private static func ratioDecision(_ traceID: TraceID, _ ratio: Double) -> Bool {
        guard ratio > 0 else { return false }
        guard ratio < 1 else { return true }
        let randomness = traceID.low & (1 << 56 - 1)
        return Double(randomness) < ratio * 0x1p56
    }
}
