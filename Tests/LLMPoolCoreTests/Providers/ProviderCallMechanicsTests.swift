import AsyncHTTPClient
import LLMPoolCore
import LLMPoolSimulator
import Testing

/// How provider calls behave over real sockets against the simulator: upstream errors by
/// meaning, stream time limits, upstream streaming that stops the backend on cancel, and token
/// counts when a stream reports none. Timeouts are short real ones, bounded by the suite's limit.
@Suite("Provider call mechanics", .timeLimit(.minutes(1)))
struct ProviderCallMechanicsTests {
    typealias Support = ProviderTestSupport

    static let models = [
        SimulatedModel(name: "m", seed: 3, answerTokens: 8),
        // 60 tokens 50 ms apart: a 3 s stream (the first after 10 ms); 1.5 s for a plain answer.
        SimulatedModel(
            name: "long",
            p50: .milliseconds(1500),
            p99: .milliseconds(1600),
            timeToFirstToken: .milliseconds(10),
            perTokenDelay: .milliseconds(50),
            seed: 4,
            answerTokens: 60
        ),
    ]

    static func provider(
        _ kind: ProviderConfiguration.Kind,
        _ simulator: ProviderSimulator,
        client: HTTPClient,
        model: String = "m",
        timeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(10),
        upstreamStreaming: Bool? = nil
    ) throws -> any Provider {
        var configuration = Support.configuration(
            kind,
            baseURL: kind == .openai ? simulator.baseURL + "/v1" : simulator.baseURL,
            model: model,
            timeout: timeout
        )
        configuration.idleTimeout = idleTimeout
        if let upstreamStreaming { configuration.upstreamStreaming = upstreamStreaming }
        return try ProviderFactory.makeProvider(configuration, httpClient: client)
    }

    @Test(
        "an upstream context overflow is the caller's fault, with the upstream's message and param",
        arguments: ProviderConfiguration.Kind.allCases
    )
    func contextLengthExceeded(kind: ProviderConfiguration.Kind) async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(contextTokens: 10), for: "m")
            try await Support.withClient { client in
                let provider = try Self.provider(kind, simulator, client: client)
                let error = await #expect(throws: PoolError.self) {
                    try await provider.complete(Support.request("a prompt far too long", maxTokens: 64))
                }
                #expect(error?.code == .contextLengthExceeded)
                #expect(error?.param == "messages")
                #expect(error?.isCallerFault == true)
                #expect(error?.breakerOutcome == .ignored)
                #expect(error?.message.contains("answered HTTP 400") == true)
                #expect(simulator.stats().models["m"]?.contextLengthExceeded == 1)
            }
        }
    }

    @Test("a stream closed without a word (llama-cpp-python's rejection) is asked plainly, to learn the 400")
    func silentStreamRejection() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(contextTokens: 10, rejectsStreamsSilently: true), for: "m")
            try await Support.withClient { client in
                let provider = try Self.provider(.openai, simulator, client: client)
                let oversized = Support.request("a prompt far too long", maxTokens: 64)
                let plain = await #expect(throws: PoolError.self) { try await provider.complete(oversized) }
                #expect(plain?.code == .contextLengthExceeded)
                let streamed = await #expect(throws: PoolError.self) { try await Support.collect(provider, oversized) }
                #expect(streamed?.code == .contextLengthExceeded)
                #expect(simulator.recentRequests().map(\.streaming) == [true, false, true, false])
                // A stream that does answer is read once, as always.
                let (deltas, _) = try await Support.collect(provider, Support.request("hi", maxTokens: 2))
                #expect(deltas.count == 2)
                #expect(simulator.recentRequests().count == 5)
            }
        }
    }

    @Test("a 429 with Retry-After says how long to stay away")
    func tooManyRequests() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setFaults(.init(forcedStatus: 429, retryAfter: 1), for: "m")
            try await Support.withClient { client in
                let provider = try Self.provider(.openai, simulator, client: client)
                let error = await #expect(throws: PoolError.self) { try await provider.complete(Support.request("x")) }
                #expect(error?.code == .resourceExhausted)
                #expect(error?.retryAfter == .seconds(1))
                #expect(error?.isRetryableElsewhere == true)
            }
        }
    }

    /// Starts a plain call of the `long` model, cancels it once the simulator generates, and
    /// returns the model's counters once the generation ended.
    static func cancelledCompletion(upstreamStreaming: Bool) async throws -> SimulatorStats.Model {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(keepsGeneratingAfterDisconnect: true), for: "long")
            return try await Support.withClient { client in
                let provider = try Self.provider(
                    .openai,
                    simulator,
                    client: client,
                    model: "long",
                    upstreamStreaming: upstreamStreaming
                )
                let call = Task { try await provider.complete(Support.request("go on")) }
                try await simulator.waitForStats { $0.models["long"]?.generating == 1 }
                call.cancel()
                let error = await #expect(throws: PoolError.self) { try await call.value }
                #expect(error?.code == .cancelled)
                // The generation has ended (and given its time to busy_ms) once nothing generates.
                let stats = try await simulator.waitForStats {
                    $0.models["long"]?.cancelled == 1 && $0.models["long"]?.generating == 0
                }
                return try #require(stats.models["long"])
            }
        }
    }

    @Test("with upstream_streaming, a cancelled plain call stops the backend's generation")
    func upstreamStreamingStopsGeneration() async throws {
        let streamed = try await Self.cancelledCompletion(upstreamStreaming: true)
        #expect(streamed.endpoints == ["/v1/chat/completions": 1])
        #expect(streamed.abandoned == 0)
        #expect(streamed.completed == 0)
        #expect(streamed.busyTime < .milliseconds(1000), "stopped at once, not after the 1.5 s answer")
        // Without it the backend finishes the answer for nobody, as llama.cpp does.
        let plain = try await Self.cancelledCompletion(upstreamStreaming: false)
        #expect(plain.abandoned == 1)
        #expect(plain.busyTime >= .milliseconds(1400))
    }

    @Test("upstream_streaming defaults: on for openai, off for ollama; a plain call still answers whole")
    func upstreamStreamingDefault() async throws {
        #expect(ProviderConfiguration(name: "a", kind: .openai, baseURL: "http://x", model: "m").upstreamStreaming)
        #expect(!ProviderConfiguration(name: "a", kind: .ollama, baseURL: "http://x", model: "m").upstreamStreaming)
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let provider = try Self.provider(.openai, simulator, client: client)
                let response = try await provider.complete(Support.request("name three colours"))
                #expect(response.text.split(separator: " ").count == 8)
                #expect(response.usage == TokenUsage(inputTokens: 3, outputTokens: 8))
                #expect(simulator.recentRequests().first?.streaming == true)
            }
        }
    }

    @Test(
        "a stream that keeps producing is not cut by timeout_ms, which bounds only its first token",
        arguments: ProviderConfiguration.Kind.allCases
    )
    func longStream(kind: ProviderConfiguration.Kind) async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let provider = try Self.provider(
                    kind,
                    simulator,
                    client: client,
                    model: "long",
                    // Room for a loaded machine before the first token; the stream lasts longer.
                    timeout: .seconds(2),
                    idleTimeout: .seconds(1)
                )
                let request = Support.request("go", maxTokens: 64, timeout: .seconds(20))
                let (deltas, response) = try await Support.collect(provider, request)
                #expect(deltas.count == 60)
                #expect(response.finishReason == "stop")
            }
        }
    }

    @Test(
        "a stream that stalls is cut by idle_timeout_ms, well before its deadline",
        arguments: ProviderConfiguration.Kind.allCases
    )
    func stalledStream(kind: ProviderConfiguration.Kind) async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setFaults(.init(stallAfterTokens: 2), for: "m")
            try await Support.withClient { client in
                let provider = try Self.provider(kind, simulator, client: client, idleTimeout: .milliseconds(300))
                let started = ContinuousClock.now
                let error = await #expect(throws: PoolError.self) {
                    try await Support.collect(provider, Support.request("x", timeout: .seconds(20)))
                }
                let elapsed = started.duration(to: .now)
                #expect(error?.code == .deadlineExceeded)
                #expect(error?.message.contains("idle_timeout_ms") == true, "\(String(describing: error))")
                #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(5), "\(elapsed)")
                try await simulator.waitForStats { $0.models["m"]?.cancelled == 1 }
            }
        }
    }

    @Test("no first token within timeout_ms ends a stream")
    func noFirstToken() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setFaults(.init(extraLatency: .seconds(5)), for: "m")
            try await Support.withClient { client in
                let provider = try Self.provider(.openai, simulator, client: client, timeout: .milliseconds(200))
                let error = await #expect(throws: PoolError.self) {
                    try await Support.collect(provider, Support.request("x", timeout: .seconds(20)))
                }
                #expect(error?.code == .deadlineExceeded)
                #expect(error?.message.contains("no token within 200 ms") == true, "\(String(describing: error))")
            }
        }
    }

    @Test("a stream without token counts gets estimated usage", arguments: ProviderConfiguration.Kind.allCases)
    func estimatedUsage(kind: ProviderConfiguration.Kind) async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try simulator.setBehavior(.init(omitsStreamUsage: true), for: "m")
            try await Support.withClient { client in
                let provider = try Self.provider(kind, simulator, client: client, upstreamStreaming: false)
                let request = Support.request("count these words please")  // 24 bytes: 6 tokens
                let (deltas, response) = try await Support.collect(provider, request)
                #expect(response.usage.estimated)
                #expect(response.usage.outputTokens == deltas.count)
                #expect(response.usage.inputTokens == 6)
                let plain = try await provider.complete(request)
                #expect(!plain.usage.estimated, "plain answers keep their counts")
                #expect(plain.usage.outputTokens == 8)
            }
        }
    }
}
