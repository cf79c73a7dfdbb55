import Tracing

/// Reads propagation headers from a `[String: String]`, ignoring the case of names (HTTP header
/// names are case-insensitive; gRPC metadata keys are lowercase).
public struct HeaderDictionaryExtractor: Extractor {
    /// Creates an extractor.
    public init() {}

    public func extract(key: String, from carrier: [String: String]) -> String? {
        if let value = carrier[key] { return value }
        let lowered = key.lowercased()
        return carrier.first { $0.key.lowercased() == lowered }?.value
    }
}

/// Writes propagation headers into a `[String: String]`, such as `ProviderRequest.headers`.
public struct HeaderDictionaryInjector: Injector {
    /// Creates an injector.
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
