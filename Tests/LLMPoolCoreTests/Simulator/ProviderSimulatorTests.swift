import AsyncHTTPClient
import Foundation
import LLMPoolCore
import NIOHTTP1
import Testing

@testable import LLMPoolSimulator

@Suite("ProviderSimulator", .timeLimit(.minutes(1)))
struct ProviderSimulatorTests {
    typealias Support = ProviderTestSupport

    static let models = [
        SimulatedModel(name: "phi3:mini", seed: 1, answerTokens: 8),
        SimulatedModel(name: "twin", seed: 1, answerTokens: 8),
        SimulatedModel(name: "other", seed: 2, answerTokens: 8),
    ]

    @Test("Ollama chat without stream returns one final object with counts")
    func ollamaChatNonStreaming() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let response = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json:
                        #"{"model":"phi3:mini","stream":false,"messages":[{"role":"user","content":"one two three"}]}"#
                )
                #expect(response.status == 200)
                let json = try response.json()
                #expect(json["done"] as? Bool == true)
                #expect(json["done_reason"] as? String == "stop")
                #expect(json["prompt_eval_count"] as? Int == 3)
                #expect(json["eval_count"] as? Int == 8)
                let content = (json["message"] as? [String: Any])?["content"] as? String
                #expect(content?.split(separator: " ").count == 8)
            }
        }
    }

    @Test("Ollama streams NDJSON when stream is absent, ending with done")
    func ollamaStreamsByDefault() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let response = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/generate",
                    json: #"{"model":"phi3:mini","prompt":"hello there"}"#
                )
                #expect(response.status == 200)
                #expect(response.headers.first(name: "content-type") == "application/x-ndjson")
                let lines = response.body.split(separator: "\n").map(String.init)
                #expect(lines.count == 9)
                let objects = try lines.map { try Support.RawResponse(status: 200, headers: [:], body: $0).json() }
                #expect(objects.dropLast().allSatisfy { $0["done"] as? Bool == false && $0["response"] is String })
                #expect(objects.last?["done"] as? Bool == true)
                #expect(objects.last?["eval_count"] as? Int == 8)
                #expect(objects.last?["prompt_eval_count"] as? Int == 2)
            }
        }
    }

    @Test("OpenAI streams server-sent events with a usage chunk and [DONE]")
    func openAIStreaming() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let response = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/v1/chat/completions",
                    json:
                        #"{"model":"phi3:mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"a b"}]}"#
                )
                #expect(response.status == 200)
                #expect(response.headers.first(name: "content-type") == "text/event-stream")
                let events = response.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.allSatisfy { $0.hasPrefix("data: ") })
                #expect(events.last == "data: [DONE]")
                let usage = try Support.RawResponse(
                    status: 200,
                    headers: [:],
                    body: String(events[events.count - 2].dropFirst(6))
                ).json()
                let counts = usage["usage"] as? [String: Any]
                #expect(counts?["prompt_tokens"] as? Int == 2)
                #expect(counts?["completion_tokens"] as? Int == 8)
                #expect(counts?["total_tokens"] as? Int == 10)
            }
        }
    }

    @Test("max_tokens caps the answer with finish_reason length")
    func maxTokensCaps() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let response = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/v1/chat/completions",
                    json: #"{"model":"phi3:mini","max_tokens":3,"messages":[{"role":"user","content":"x"}]}"#
                )
                let json = try response.json()
                let choice = (json["choices"] as? [[String: Any]])?.first
                #expect(choice?["finish_reason"] as? String == "length")
                #expect(((json["usage"] as? [String: Any])?["completion_tokens"] as? Int) == 3)
            }
        }
    }

    @Test("Model listings and unknown models")
    func listingsAndUnknownModel() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let tags = try await Support.send(client, .GET, simulator.baseURL + "/api/tags").json()
                #expect(
                    (tags["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                        == Self.models.map(\.name)
                )
                let list = try await Support.send(client, .GET, simulator.baseURL + "/v1/models").json()
                #expect(
                    (list["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Self.models.map(\.name)
                )

                let missing = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json: #"{"model":"x","messages":[]}"#
                )
                #expect(missing.status == 404)
                #expect(try missing.json()["error"] as? String == "model 'x' not found")
                #expect(simulator.stats().unknownModel == 1)
            }
        }
    }

    @Test("The OpenAI endpoints require the API key when one is configured")
    func apiKeyRequired() async throws {
        try await ProviderSimulator.withRunning(models: Self.models, apiKey: "sekret") { simulator in
            try await Support.withClient { client in
                let body = #"{"model":"phi3:mini","messages":[{"role":"user","content":"x"}]}"#
                let denied = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/v1/chat/completions",
                    json: body
                )
                #expect(denied.status == 401)
                let wrong = try await Support.send(
                    client,
                    .GET,
                    simulator.baseURL + "/v1/models",
                    headers: ["Authorization": "Bearer nope"]
                )
                #expect(wrong.status == 401)
                let allowed = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/v1/chat/completions",
                    json: body,
                    headers: ["Authorization": "Bearer sekret"]
                )
                #expect(allowed.status == 200)
            }
        }
    }

    @Test("Answers are deterministic per prompt and seed")
    func determinism() {
        let a = AnswerGenerator.answer(prompt: "what is  up", seed: 7, count: 10)
        #expect(a == AnswerGenerator.answer(prompt: "what is up", seed: 7, count: 10))
        #expect(a != AnswerGenerator.answer(prompt: "what is up", seed: 8, count: 10))
        #expect(a != AnswerGenerator.answer(prompt: "what is down", seed: 7, count: 10))
    }

    @Test("Latencies follow the log-normal fitted to p50 and p99")
    func latencyDistribution() {
        let model = LatencyModel(p50: .milliseconds(200), p99: .milliseconds(700))
        var generator = SplitMix64(state: 42)
        let samples = (0..<20_000).map { _ in model.sample(using: &generator) }.sorted()
        let p50 = samples[samples.count / 2]
        let p99 = samples[samples.count * 99 / 100]
        #expect(p50 > .milliseconds(185) && p50 < .milliseconds(215))
        #expect(p99 > .milliseconds(600) && p99 < .milliseconds(800))
        #expect(LatencyModel(p50: .zero, p99: .zero).sample(using: &generator) == .zero)
    }

    @Test("The admin API sets faults and reports stats")
    func adminAPI() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                let put = try await Support.send(
                    client,
                    .PUT,
                    simulator.baseURL + "/_simulator/models/phi3%3Amini/faults",
                    json: #"{"status":503,"extra_latency_ms":5}"#
                )
                #expect(put.status == 200)
                #expect(
                    simulator.faults(for: "phi3:mini")
                        == SimulatorFaults(forcedStatus: 503, extraLatency: .milliseconds(5))
                )

                let failed = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json: #"{"model":"phi3:mini","stream":false,"messages":[]}"#
                )
                #expect(failed.status == 503)
                #expect(try failed.json()["error"] is String)

                let invalid = try await Support.send(
                    client,
                    .PUT,
                    simulator.baseURL + "/_simulator/models/phi3:mini/faults",
                    json: #"{"error_rate":2}"#
                )
                #expect(invalid.status == 400)
                let unknown = try await Support.send(
                    client,
                    .PUT,
                    simulator.baseURL + "/_simulator/models/nope/faults",
                    json: "{}"
                )
                #expect(unknown.status == 404)

                let cleared = try await Support.send(
                    client,
                    .DELETE,
                    simulator.baseURL + "/_simulator/models/phi3:mini/faults"
                )
                #expect(cleared.status == 200)
                #expect(simulator.faults(for: "phi3:mini") == SimulatorFaults.none)

                let stats = try JSONDecoder().decode(
                    SimulatorStats.self,
                    from: Data(try await Support.send(client, .GET, simulator.baseURL + "/_simulator/stats").body.utf8)
                )
                #expect(stats.models["phi3:mini"]?.total == 1)
                #expect(stats.models["phi3:mini"]?.faulted == 1)
                #expect(stats.models["phi3:mini"]?.endpoints == ["/api/chat": 1])
                #expect(stats == simulator.stats())
            }
        }
    }

    @Test("Faults are validated and unknown models rejected in-process")
    func setFaultsValidation() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            #expect(throws: SimulatorError.self) { try simulator.setFaults(.init(errorRate: -1), for: "phi3:mini") }
            #expect(throws: SimulatorError.self) { try simulator.setFaults(.none, for: "missing") }
            try simulator.setFaults(.init(stallAfterTokens: 2), for: "phi3:mini")
            #expect(simulator.faults(for: "phi3:mini")?.stallAfterTokens == 2)
        }
    }

    @Test("Requests are recorded with their headers and prompt")
    func recentRequests() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try await Support.withClient { client in
                _ = try await Support.send(
                    client,
                    .POST,
                    simulator.baseURL + "/api/chat",
                    json: #"{"model":"twin","stream":false,"options":{"num_predict":4},"messages":["#
                        + #"{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}"#,
                    headers: ["traceparent": "00-abc-def-01"]
                )
            }
            let recorded = try #require(simulator.recentRequests().last)
            #expect(recorded.model == "twin")
            #expect(recorded.prompt == "be brief\nhi")
            #expect(recorded.maxTokens == 4)
            #expect(recorded.streaming == false)
            #expect(recorded.headers["traceparent"] == "00-abc-def-01")
        }
    }

    @Test("A second run is refused and a busy port is reported")
    func lifecycle() async throws {
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            await #expect(throws: SimulatorError.self) { try await simulator.run() }
            let busy = SimulatorConfiguration(port: try #require(simulator.port), models: Self.models)
            await #expect(throws: (any Error).self) {
                try await ProviderSimulator.withRunning(configuration: busy) { _ in }
            }
        }
    }

    @Test("The demo models have the documented latencies and distinct seeds")
    func demoModels() {
        let models = SimulatorConfiguration.demoModels()
        #expect(models.map(\.name) == ["phi3:mini", "llama3.1:8b", "gemma2:9b"])
        #expect(models.map(\.p50) == [.milliseconds(200), .milliseconds(700), .milliseconds(800)])
        #expect(models.map(\.p99) == [.milliseconds(700), .milliseconds(1200), .milliseconds(1300)])
        #expect(Set(models.map(\.seed)).count == 3)
    }
}
