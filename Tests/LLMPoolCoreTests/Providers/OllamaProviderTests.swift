import AsyncHTTPClient
import LLMPoolCore
import LLMPoolSimulator
import Testing

@Suite("OllamaProvider", .timeLimit(.minutes(1)))
struct OllamaProviderTests {
    typealias Support = ProviderTestSupport

    static let models = [
        SimulatedModel(name: "phi3:mini", seed: 11, answerTokens: 10),
        SimulatedModel(name: "phi3:twin", seed: 11, answerTokens: 10),
        SimulatedModel(name: "llama3.1:8b", seed: 12, answerTokens: 10),
        SimulatedModel(
            name: "slow",
            timeToFirstToken: .milliseconds(1),
            perTokenDelay: .milliseconds(200),
            seed: 13,
            answerTokens: 40
        ),
    ]

    /// Runs `body` with a simulator and an Ollama provider for `model` pointed at it.
    func withProvider(
        model: String = "phi3:mini",
        endpoint: ProviderConfiguration.OllamaEndpoint = .chat,
        timeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(10),
        _ body: (OllamaProvider, ProviderSimulator, HTTPClient) async throws -> Void
    ) async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let configuration = Support.configuration(
                    .ollama,
                    baseURL: simulator.baseURL + "/",
                    model: model,
                    timeout: timeout,
                    idleTimeout: idleTimeout,
                    endpoint: endpoint
                )
                try await body(OllamaProvider(configuration: configuration, httpClient: client), simulator, client)
            }
        }
    }

    @Test(
        "complete and stream agree, with usage from the counts",
        arguments: ProviderConfiguration.OllamaEndpoint.allCases
    )
    func completeAndStream(endpoint: ProviderConfiguration.OllamaEndpoint) async throws {
        try await withProvider(endpoint: endpoint) { provider, simulator, _ in
            let request = Support.request("tell me something nice", system: "be kind")
            let response = try await provider.complete(request)
            #expect(response.model == "phi3:mini")
            #expect(response.text.split(separator: " ").count == 10)
            #expect(response.usage == TokenUsage(inputTokens: 6, outputTokens: 10))
            #expect(response.finishReason == "stop")

            let (deltas, done) = try await Support.collect(provider, request)
            #expect(deltas.count == 10)
            #expect(deltas.joined() == response.text)
            #expect(done == response)

            let path = endpoint == .chat ? "/api/chat" : "/api/generate"
            #expect(simulator.stats().models["phi3:mini"]?.endpoints == [path: 2])
            #expect(simulator.recentRequests().allSatisfy { $0.maxTokens == 64 })
        }
    }

    @Test("generate flattens system messages and turns")
    func flattening() async throws {
        try await withProvider(endpoint: .generate) { provider, simulator, _ in
            let request = ProviderRequest(
                messages: [.system("rules"), .user("hi"), .init(role: "assistant", content: "hello"), .user("again")],
                maxTokens: 5,
                temperature: 0.3,
                timeout: .seconds(5)
            )
            let response = try await provider.complete(request)
            #expect(response.finishReason == "length")
            #expect(response.usage.outputTokens == 5)
            #expect(
                simulator.recentRequests().last?.prompt
                    == "rules\nUser: hi\n\nAssistant: hello\n\nUser: again\n\nAssistant:"
            )
        }
    }

    @Test("Same seed agrees, different seeds differ")
    func determinism() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                func answer(_ model: String) async throws -> String {
                    let configuration = Support.configuration(.ollama, baseURL: simulator.baseURL, model: model)
                    return try await OllamaProvider(configuration: configuration, httpClient: client).complete(
                        Support.request("same prompt")
                    ).text
                }
                let first = try await answer("phi3:mini")
                #expect(try await answer("phi3:twin") == first)
                #expect(try await answer("llama3.1:8b") != first)
                #expect(try await answer("phi3:mini") == first)
            }
        }
    }

    @Test("Request headers reach the backend")
    func headersForwarded() async throws {
        try await withProvider { provider, simulator, _ in
            let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            _ = try await provider.complete(Support.request("x", headers: ["traceparent": traceparent]))
            #expect(simulator.recentRequests().last?.headers["traceparent"] == traceparent)
        }
    }

    @Test("Error rate 1 and forced 503 fail as upstreamFailed, then recover")
    func errorStatuses() async throws {
        try await withProvider { provider, simulator, _ in
            try simulator.setFaults(.init(errorRate: 1), for: "phi3:mini")
            let failure = await #expect(throws: PoolError.self) { try await provider.complete(Support.request("x")) }
            #expect(failure?.code == .upstreamFailed)
            #expect(failure?.isRetryable == true)
            #expect(failure?.message.contains("HTTP 500") == true)

            try simulator.setFaults(.init(forcedStatus: 503), for: "phi3:mini")
            let unavailable = await #expect(throws: PoolError.self) {
                try await Support.collect(provider, Support.request("x"))
            }
            #expect(unavailable?.code == .upstreamFailed)
            #expect(unavailable?.message.contains("HTTP 503") == true)

            try simulator.setFaults(.none, for: "phi3:mini")
            #expect(try await provider.complete(Support.request("x")).text.isEmpty == false)
            #expect(simulator.stats().models["phi3:mini"]?.faulted == 2)
        }
    }

    @Test("A hanging backend ends in deadlineExceeded and the simulator sees the call closed")
    func hangTimesOut() async throws {
        try await withProvider(timeout: .milliseconds(300)) { provider, simulator, _ in
            try simulator.setFaults(.init(hang: true), for: "phi3:mini")
            let failure = await #expect(throws: PoolError.self) {
                try await provider.complete(Support.request("x", timeout: .seconds(30)))
            }
            #expect(failure?.code == .deadlineExceeded)
            #expect(failure?.message == "provider 'ollama-phi3:mini' did not answer within 300 ms")
            try await simulator.waitForStats { $0.models["phi3:mini"]?.cancelled == 1 }
        }
    }

    @Test("Connection reset and malformed bodies fail as upstreamFailed")
    func resetAndMalformed() async throws {
        try await withProvider { provider, simulator, _ in
            try simulator.setFaults(.init(connectionReset: true), for: "phi3:mini")
            let reset = await #expect(throws: PoolError.self) { try await provider.complete(Support.request("x")) }
            #expect(reset?.code == .upstreamFailed)

            try simulator.setFaults(.init(malformedBody: true), for: "phi3:mini")
            let malformed = await #expect(throws: PoolError.self) { try await provider.complete(Support.request("x")) }
            #expect(malformed?.code == .upstreamFailed)
            #expect(malformed?.message.hasPrefix("malformed response from ollama-phi3:mini") == true)
            let malformedStream = await #expect(throws: PoolError.self) {
                try await Support.collect(provider, Support.request("x"))
            }
            #expect(malformedStream?.message.hasPrefix("malformed response") == true)

            try simulator.setFaults(.none, for: "phi3:mini")
            #expect(try await provider.complete(Support.request("x")).usage.outputTokens == 10)
        }
    }

    @Test("A stalled stream ends in deadlineExceeded after its first tokens")
    func stalledStream() async throws {
        try await withProvider(timeout: .seconds(5), idleTimeout: .milliseconds(600)) { provider, simulator, _ in
            try simulator.setFaults(.init(stallAfterTokens: 2), for: "phi3:mini")
            let deltas = Support.Deltas()
            let failure = await #expect(throws: PoolError.self) {
                try await provider.stream(Support.request("x")) { deltas.append($0) }
            }
            #expect(failure?.code == .deadlineExceeded)
            #expect(deltas.all.count == 2)
            try await simulator.waitForStats { $0.models["phi3:mini"]?.cancelled == 1 }
        }
    }

    @Test("Cancelling the calling task closes the upstream call")
    func cancellationReachesSimulator() async throws {
        try await withProvider { provider, simulator, _ in
            try simulator.setFaults(.init(hang: true), for: "phi3:mini")
            let call = Task { try await provider.complete(Support.request("x")) }
            try await simulator.waitForStats { $0.models["phi3:mini"]?.total == 1 }
            call.cancel()
            let failure = await #expect(throws: PoolError.self) { try await call.value }
            #expect(failure?.code == .cancelled)
            let stats = try await simulator.waitForStats { $0.models["phi3:mini"]?.cancelled == 1 }
            #expect(stats.models["phi3:mini"]?.completed == 0)
        }
    }

    @Test("A consumer that throws ends the stream with its own error and closes the upstream call")
    func streamAbandoned() async throws {
        try await withProvider(model: "slow") { provider, simulator, _ in
            let deltas = Support.Deltas()
            await #expect(throws: ClientGone.self) {
                try await provider.stream(Support.request("x")) { piece in
                    deltas.append(piece)
                    throw ClientGone()
                }
            }
            #expect(deltas.all.count == 1, "no delta is delivered after the consumer threw")
            try await simulator.waitForStats { $0.models["slow"]?.cancelled == 1 }
        }
    }

    @Test("Health: served model, unknown model, server down")
    func health() async throws {
        var port = 0
        try await withProvider { provider, simulator, client in
            port = try #require(simulator.port)
            #expect(await provider.health() == ProviderHealth(healthy: true))
            let unknown = OllamaProvider(
                configuration: Support.configuration(.ollama, baseURL: simulator.baseURL, model: "mistral"),
                httpClient: client
            )
            let health = await unknown.health()
            #expect(!health.healthy)
            #expect(health.detail.contains("mistral"))
            // Health endpoints ignore faults.
            try simulator.setFaults(.init(forcedStatus: 503), for: "phi3:mini")
            #expect(await provider.health().healthy)
        }
        try await Support.withClient { client in
            let down = OllamaProvider(
                configuration: Support.configuration(.ollama, baseURL: "http://127.0.0.1:\(port)", model: "phi3:mini"),
                httpClient: client
            )
            let health = await down.health()
            #expect(!health.healthy)
            #expect(health.detail.contains("cannot connect"))
            let failure = await #expect(throws: PoolError.self) { try await down.complete(Support.request("x")) }
            #expect(failure?.code == .unavailable)
        }
    }

    @Test("The shorter of the request and provider timeouts applies")
    func timeoutIsTheMinimum() async throws {
        try await withProvider(timeout: .seconds(30)) { provider, simulator, _ in
            try simulator.setFaults(.init(hang: true), for: "phi3:mini")
            let failure = await #expect(throws: PoolError.self) {
                try await provider.complete(Support.request("x", timeout: .milliseconds(200)))
            }
            #expect(failure?.code == .deadlineExceeded)
        }
    }

    @Test("Provider identity")
    func identity() async throws {
        try await Support.withClient { client in
            var configuration = Support.configuration(
                .ollama,
                baseURL: "http://127.0.0.2:11434",
                model: "phi3:mini",
                name: "phi"
            )
            configuration.tasks = ["summarize"]
            let provider = OllamaProvider(configuration: configuration, httpClient: client)
            #expect(provider.name == "phi")
            #expect(provider.system == "ollama")
            #expect(provider.serverAddress == "127.0.0.2")
            #expect(provider.supports(task: "summarize"))
            #expect(!provider.supports(task: "other"))
        }
    }
}
