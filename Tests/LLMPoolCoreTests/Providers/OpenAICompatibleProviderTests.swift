import AsyncHTTPClient
import LLMPoolCore
import LLMPoolSimulator
import Testing

@Suite("OpenAICompatibleProvider", .timeLimit(.minutes(1)))
struct OpenAICompatibleProviderTests {
    typealias Support = ProviderTestSupport

    static let models = [
        SimulatedModel(name: "phi3:mini", seed: 21, answerTokens: 9),
        SimulatedModel(name: "phi3:twin", seed: 21, answerTokens: 9),
        SimulatedModel(name: "gemma2:9b", seed: 22, answerTokens: 9),
        SimulatedModel(
            name: "slow",
            timeToFirstToken: .milliseconds(1),
            perTokenDelay: .milliseconds(200),
            seed: 23,
            answerTokens: 40
        ),
    ]

    /// Runs `body` with a simulator and an OpenAI provider for `model` pointed at it.
    func withProvider(
        model: String = "phi3:mini",
        pathSuffix: String = "/v1",
        timeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(10),
        apiKey: String? = nil,
        _ body: (OpenAICompatibleProvider, ProviderSimulator, HTTPClient) async throws -> Void
    ) async throws {
        try await ProviderSimulator.withRunning(models: Self.models, apiKey: apiKey) { simulator in
            try await Support.withClient { client in
                let configuration = Support.configuration(
                    .openai,
                    baseURL: simulator.baseURL + pathSuffix,
                    model: model,
                    timeout: timeout,
                    idleTimeout: idleTimeout,
                    apiKeyEnv: apiKey == nil ? nil : "SIM_KEY"
                )
                let provider = try OpenAICompatibleProvider(
                    configuration: configuration,
                    httpClient: client,
                    environment: ["SIM_KEY": apiKey ?? ""]
                )
                try await body(provider, simulator, client)
            }
        }
    }

    @Test(
        "complete and stream agree, with usage, whether or not the base URL ends with /v1",
        arguments: ["/v1", "/v1/", "", "/"]
    )
    func completeAndStream(pathSuffix: String) async throws {
        try await withProvider(pathSuffix: pathSuffix) { provider, simulator, _ in
            let request = Support.request("name three colours", system: "answer briefly")
            let response = try await provider.complete(request)
            #expect(response.model == "phi3:mini")
            #expect(response.usage == TokenUsage(inputTokens: 5, outputTokens: 9))
            #expect(response.finishReason == "stop")

            let (deltas, done) = try await Support.collect(provider, request)
            #expect(deltas.count == 9)
            #expect(deltas.joined() == response.text)
            #expect(done == response)
            #expect(simulator.stats().models["phi3:mini"]?.endpoints == ["/v1/chat/completions": 2])
        }
    }

    @Test("max_tokens is sent and a capped answer reports length")
    func maxTokens() async throws {
        try await withProvider { provider, simulator, _ in
            let response = try await provider.complete(Support.request("x", maxTokens: 4))
            #expect(response.finishReason == "length")
            #expect(response.usage.outputTokens == 4)
            let (_, done) = try await Support.collect(provider, Support.request("x", maxTokens: 4))
            #expect(done.finishReason == "length")
            #expect(simulator.recentRequests().map(\.maxTokens) == [4, 4])
        }
    }

    @Test("Same seed agrees, different seeds differ")
    func determinism() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                func answer(_ model: String) async throws -> String {
                    let configuration = Support.configuration(.openai, baseURL: simulator.baseURL, model: model)
                    return try await OpenAICompatibleProvider(configuration: configuration, httpClient: client)
                        .complete(Support.request("q")).text
                }
                let first = try await answer("phi3:mini")
                #expect(try await answer("phi3:twin") == first)
                #expect(try await answer("gemma2:9b") != first)
            }
        }
    }

    @Test("The API key is sent as a bearer token")
    func apiKey() async throws {
        try await withProvider(apiKey: "sk-test") { provider, simulator, client in
            let request = Support.request("x", headers: ["traceparent": "00-abc-01", "Authorization": "Bearer forged"])
            #expect(try await provider.complete(request).usage.outputTokens == 9)
            let headers = simulator.recentRequests().last?.headers
            #expect(headers?["authorization"] == "Bearer sk-test")
            #expect(headers?["traceparent"] == "00-abc-01")
            #expect(await provider.health().healthy)

            let keyless = try OpenAICompatibleProvider(
                configuration: Support.configuration(.openai, baseURL: simulator.baseURL, model: "phi3:mini"),
                httpClient: client
            )
            let failure = await #expect(throws: PoolError.self) { try await keyless.complete(Support.request("x")) }
            #expect(failure?.code == .upstreamFailed)
            #expect(failure?.message.contains("HTTP 401") == true)
            #expect(await keyless.health().healthy == false)
        }
    }

    @Test("A missing API key variable fails at construction")
    func missingKeyVariable() async throws {
        try await Support.withClient { client in
            let configuration = Support.configuration(
                .openai,
                baseURL: "http://127.0.0.1:1",
                model: "m",
                apiKeyEnv: "LLM_POOL_TEST_ABSENT_KEY"
            )
            let failure = #expect(throws: PoolError.self) {
                try OpenAICompatibleProvider(configuration: configuration, httpClient: client, environment: [:])
            }
            #expect(failure?.code == .invalidConfiguration)
            #expect(failure?.message.contains("LLM_POOL_TEST_ABSENT_KEY") == true)
            #expect(throws: PoolError.self) {
                try ProviderFactory.makeProviders([configuration], httpClient: client, environment: [:])
            }
        }
    }

    @Test("The factory builds one provider per entry, by kind")
    func factory() async throws {
        try await Support.withClient { client in
            let providers = try ProviderFactory.makeProviders(
                [
                    Support.configuration(.ollama, baseURL: "http://127.0.0.1:11434", model: "a"),
                    Support.configuration(.openai, baseURL: "http://127.0.0.1:8000/v1", model: "b"),
                ],
                httpClient: client
            )
            #expect(providers.map(\.system) == ["ollama", "openai"])
            #expect(providers.map(\.model) == ["a", "b"])
        }
    }

    @Test("Error statuses, resets and malformed bodies fail as upstreamFailed, then recover")
    func faults() async throws {
        try await withProvider { provider, simulator, _ in
            let cases: [(SimulatorFaults, String)] = [
                (.init(errorRate: 1), "HTTP 500"),
                (.init(forcedStatus: 503), "HTTP 503"),
                (.init(forcedStatus: 429), "HTTP 429"),
                (.init(connectionReset: true), "'openai-phi3:mini'"),
                (.init(malformedBody: true), "malformed response from openai-phi3:mini"),
            ]
            for (faults, message) in cases {
                try simulator.setFaults(faults, for: "phi3:mini")
                let failure = await #expect(throws: PoolError.self) {
                    try await provider.complete(Support.request("x"))
                }
                // A 429 says the backend is overloaded: retried elsewhere, as `resource_exhausted`.
                let code: PoolError.Code = faults.forcedStatus == 429 ? .resourceExhausted : .upstreamFailed
                #expect(failure?.code == code)
                #expect(failure?.message.contains(message) == true, "\(failure?.message ?? "")")
                let streamFailure = await #expect(throws: PoolError.self) {
                    try await Support.collect(provider, Support.request("x"))
                }
                #expect(streamFailure?.code == code)
            }
            try simulator.setFaults(.none, for: "phi3:mini")
            #expect(try await provider.complete(Support.request("x")).text.isEmpty == false)
        }
    }

    @Test("Hangs and stalled streams end in deadlineExceeded")
    func deadlines() async throws {
        // timeout_ms bounds the hang (no first token) and leaves room for the stall's first tokens.
        try await withProvider(timeout: .seconds(3), idleTimeout: .milliseconds(600)) { provider, simulator, _ in
            try simulator.setFaults(.init(hang: true), for: "phi3:mini")
            let hang = await #expect(throws: PoolError.self) { try await provider.complete(Support.request("x")) }
            #expect(hang?.code == .deadlineExceeded)

            try simulator.setFaults(.init(stallAfterTokens: 3), for: "phi3:mini")
            let deltas = Support.Deltas()
            let stall = await #expect(throws: PoolError.self) {
                try await provider.stream(Support.request("x")) { deltas.append($0) }
            }
            #expect(stall?.code == .deadlineExceeded)
            #expect(deltas.all.count == 3)
            try await simulator.waitForStats { $0.models["phi3:mini"]?.cancelled == 2 }
        }
    }

    @Test("Cancelling a call or abandoning a stream closes the upstream call")
    func cancellation() async throws {
        try await withProvider(model: "slow") { provider, simulator, _ in
            try simulator.setFaults(.init(hang: true), for: "slow")
            let call = Task { try await provider.complete(Support.request("x")) }
            try await simulator.waitForStats { $0.models["slow"]?.total == 1 }
            call.cancel()
            let failure = await #expect(throws: PoolError.self) { try await call.value }
            #expect(failure?.code == .cancelled)
            try await simulator.waitForStats { $0.models["slow"]?.cancelled == 1 }

            try simulator.setFaults(.none, for: "slow")
            // What the consumer throws ends the stream and comes back unchanged.
            await #expect(throws: ClientGone.self) {
                try await provider.stream(Support.request("x")) { _ in throw ClientGone() }
            }
            try await simulator.waitForStats { $0.models["slow"]?.cancelled == 2 }
        }
    }

    @Test("Health: served model, unknown model, server down")
    func health() async throws {
        var port = 0
        try await withProvider { provider, simulator, client in
            port = try #require(simulator.port)
            #expect(await provider.health() == ProviderHealth(healthy: true))
            let unknown = try OpenAICompatibleProvider(
                configuration: Support.configuration(.openai, baseURL: simulator.baseURL, model: "gpt-4o"),
                httpClient: client
            )
            #expect(await unknown.health().healthy == false)
        }
        try await Support.withClient { client in
            let down = try OpenAICompatibleProvider(
                configuration: Support.configuration(
                    .openai,
                    baseURL: "http://127.0.0.1:\(port)/v1",
                    model: "phi3:mini"
                ),
                httpClient: client
            )
            let health = await down.health()
            #expect(!health.healthy)
            let failure = await #expect(throws: PoolError.self) {
                try await Support.collect(down, Support.request("x"))
            }
            #expect(failure?.code == .unavailable)
        }
    }
}
