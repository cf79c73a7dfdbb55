/// One consistent view of the pool: a configuration and the providers built from it. Requests
/// take a snapshot when they start and finish on it, so a reload never changes a request midway.
public struct PoolSnapshot: Sendable {
    /// The configuration in force.
    public let configuration: PoolConfiguration
    /// The providers, in configuration order.
    public let providers: [any Provider]
    private let providersByName: [String: any Provider]
    private let providersByModel: [String: any Provider]

    /// Creates a snapshot.
    public init(configuration: PoolConfiguration, providers: [any Provider]) {
        self.configuration = configuration
        self.providers = providers
        var byName: [String: any Provider] = [:]
        var byModel: [String: any Provider] = [:]
        for provider in providers {
            byName[provider.name] = provider
            if byModel[provider.model] == nil { byModel[provider.model] = provider }
        }
        self.providersByName = byName
        self.providersByModel = byModel
    }

    /// A provider by configured name or by model name (`phi3-mini` or `phi3:mini`).
    public func provider(named name: String) -> (any Provider)? {
        providersByName[name] ?? providersByModel[name]
    }

    /// The providers configured for a task, in preference order.
    public func providers(for task: TaskConfiguration) -> [any Provider] {
        task.providers.compactMap { providersByName[$0] }.filter { $0.supports(task: task.name) }
    }
}
