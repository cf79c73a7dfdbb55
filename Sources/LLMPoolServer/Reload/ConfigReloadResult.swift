import LLMPoolCore

/// The outcome of one ``ConfigReloader/reload()``.
public enum ConfigReloadResult: Sendable {
    /// The file was valid and is now in force for requests that start from now on. The value is
    /// the file as loaded; settings that need a restart keep their running values in the pool.
    case applied(PoolConfiguration)
    /// The file was invalid; every problem, each with its key path. The previous configuration stays.
    case rejected(ConfigurationError)
    /// The file was valid but could not be applied (a provider's `api_key_env` is not set, say).
    /// The previous configuration stays.
    case failed(any Error)

    /// Whether the new configuration is in force.
    public var isApplied: Bool {
        if case .applied = self { true } else { false }
    }
}
