/// A validated request, resolved against a snapshot: the prompt rendered, the providers chosen,
/// the deadline fixed.
struct PreparedRequest: Sendable {
    var request: InferenceRequest
    var taskName: String
    var strategy: StrategyKind
    var providers: [any Provider]
    /// Providers to ask when ``providers`` answer `context_length_exceeded` (the task's
    /// `context_window_fallback`).
    var contextFallback: [any Provider] = []
    var providerRequest: ProviderRequest
    var deadline: ContinuousClock.Instant
    /// The request's own deadline, kept when ``deadline`` is extended for a shared (coalesced) call.
    var requestDeadline: ContinuousClock.Instant
    var jsonOutput: Bool
    var cacheKey: CacheKey?
    var started: ContinuousClock.Instant
    /// The strategy that serves it, from the same generation as the providers.
    var implementation: any EnsembleStrategy
    /// The QoS settings of that generation.
    var qos: QoSConfiguration

    init(_ request: InferenceRequest, generation: Generation, clock: any PoolClock, validated: Bool = false) throws {
        let snapshot = generation.snapshot
        let configuration = snapshot.configuration
        if !validated { try RequestValidator(configuration: configuration).validate(request) }
        let started = clock.now
        let deadline = started.advanced(by: request.deadline ?? configuration.qos.defaultDeadline)
        let messages: [ChatMessage]
        let maxTokens: Int
        let temperature: Double
        let cacheable: Bool
        var options = request.options
        let providers: [any Provider]

        if let direct = request.directMessages {
            let name = request.directProvider ?? request.task
            guard let provider = snapshot.provider(named: name) else {
                let models = snapshot.providers.map(\.model).joined(separator: ", ")
                throw PoolError.notFound("unknown model '\(name)'; configured models: \(models), or pool/<task>")
            }
            messages = direct
            maxTokens = request.maxTokens ?? min(1024, configuration.qos.maxTokens)
            temperature = request.temperature ?? 0.7
            cacheable = true
            self.taskName = request.task.isEmpty ? "chat" : request.task
            self.strategy = .fastest
            providers = [provider]
            self.jsonOutput = false
        } else {
            let task = configuration.tasks[request.task]!
            var values = task.variables
            for (key, value) in request.metadata where task.variables[key] != nil { values[key] = value }
            values["input"] = request.input
            values["task"] = task.name
            var rendered: [ChatMessage] = []
            if let system = task.systemPrompt { rendered.append(.system(system)) }
            rendered.append(.user(task.template.render(values)))
            messages = rendered
            maxTokens = request.maxTokens ?? task.maxTokens
            temperature = request.temperature ?? task.temperature
            cacheable = task.cacheable
            self.taskName = task.name
            self.strategy = request.strategy ?? task.strategy
            providers = snapshot.providers(for: task)
            self.contextFallback = task.contextWindowFallback.compactMap { snapshot.provider(named: $0) }
            self.jsonOutput = task.jsonOutput || task.jsonSchema != nil
            // The task asks for the format it declares, unless the request asked for its own.
            if options["response_format"] == nil, let format = task.responseFormat {
                options["response_format"] = format
            }
            if providers.isEmpty {
                throw PoolError(code: .unavailable, message: "task '\(task.name)' has no provider that serves it")
            }
        }
        self.request = request
        self.started = started
        self.implementation = generation.strategy(strategy)
        self.qos = configuration.qos
        self.deadline = deadline
        self.requestDeadline = deadline
        let providerRequest = ProviderRequest(
            messages: messages,
            maxTokens: maxTokens,
            temperature: temperature,
            timeout: request.deadline ?? configuration.qos.defaultDeadline,
            task: taskName,
            options: options
        )
        self.providerRequest = providerRequest
        self.providers = try Self.capable(providers, of: providerRequest)
        // Only deterministic requests are cached: a sampled answer is one draw among many, unless
        // the request fixes the draw with a seed. Several choices (`n` > 1) are not kept whole by
        // streams, so they are never cached.
        let seeded = options["seed"].map { !$0.isNull } ?? false
        let oneChoice = (options["n"]?.intValue ?? 1) <= 1
        if configuration.cache.enabled, cacheable, temperature == 0 || seeded, oneChoice {
            self.cacheKey = CacheKey(
                task: taskName,
                strategy: strategy,
                messages: messages,
                models: self.providers.map(\.model),
                maxTokens: maxTokens,
                temperature: temperature,
                options: options
            )
        } else {
            self.cacheKey = nil
        }
    }

    /// The providers that can honour the request (``Provider/check(_:)``), in order. Those that
    /// cannot are left out, so a task whose providers differ serves what some of them can.
    /// - Throws: The first refusal, naming the field, when none can.
    static func capable(_ providers: [any Provider], of request: ProviderRequest) throws -> [any Provider] {
        var capable: [any Provider] = []
        var refusal: (any Error)?
        for provider in providers {
            do {
                try provider.check(request)
                capable.append(provider)
            } catch {
                refusal = refusal ?? error
            }
        }
        if capable.isEmpty, let refusal { throw refusal }
        return capable
    }
}
