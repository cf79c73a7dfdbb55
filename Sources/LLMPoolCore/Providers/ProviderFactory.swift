import AsyncHTTPClient
import Foundation
import NIOCore

/// Builds providers from their configuration.
///
/// ```swift
/// let client = HTTPClient(eventLoopGroupProvider: .singleton,
///                         configuration: ProviderFactory.recommendedHTTPClientConfiguration())
/// let providers = try ProviderFactory.makeProviders(configuration.providers, httpClient: client)
/// ```
public enum ProviderFactory {
    /// Builds one provider per configuration entry, in order: an ``OllamaProvider`` for kind
    /// `ollama`, an ``OpenAICompatibleProvider`` for kind `openai`.
    ///
    /// - Parameters:
    ///   - configurations: The `[[providers]]` entries.
    ///   - httpClient: The client every provider shares; the caller shuts it down.
    ///   - environment: Where API keys are looked up. Default: the process environment.
    /// - Throws: ``PoolError`` `invalidConfiguration` when an `api_key_env` variable is missing.
    public static func makeProviders(
        _ configurations: [ProviderConfiguration],
        httpClient: HTTPClient,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [any Provider] {
        try configurations.map { try makeProvider($0, httpClient: httpClient, environment: environment) }
    }

    /// Builds the provider of one configuration entry.
    ///
    /// - Throws: ``PoolError`` `invalidConfiguration` when its `api_key_env` variable is missing.
    public static func makeProvider(
        _ configuration: ProviderConfiguration,
        httpClient: HTTPClient,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any Provider {
        switch configuration.kind {
        case .ollama:
            OllamaProvider(configuration: configuration, httpClient: httpClient)
        case .openai:
            try OpenAICompatibleProvider(configuration: configuration, httpClient: httpClient, environment: environment)
        }
    }

    /// The HTTP client configuration providers work best with:
    /// - a refused connection fails at once (`retryConnectionEstablishment` off), so the call
    ///   ends with `unavailable` and the pool moves on instead of waiting out the deadline;
    /// - a 2 s connect timeout, no redirects, no decompression (answers are small JSON);
    /// - up to 64 connections per backend, so concurrent requests do not queue behind each other.
    public static func recommendedHTTPClientConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2))
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}
