import AsyncHTTPClient
import Foundation
import LLMPoolObservability
import LLMPoolSimulator
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// `llm-pool demo --traffic`: a gentle, bounded mixed load on the demo pool, so the console has
/// something to show. Requests go over the native API (plain and streamed) and the OpenAI API,
/// through every task and every strategy; every `faultInterval` one simulated model (in turn)
/// fails every call for `faultDuration`, so breakers open, traffic moves and breakers close again.
///
/// A `Service` run by the demo's `ServiceGroup`: requests are children of one task group, at most
/// ``Configuration/concurrency`` at a time, and everything stops on graceful shutdown or after
/// ``Configuration/duration``.
struct DemoTraffic: Service {
    struct Configuration: Sendable {
        /// The pool's HTTP base URL.
        var poolURL: String
        /// Time between two requests. Default 250 ms (4 requests/s).
        var interval: Duration = .milliseconds(250)
        /// Requests in flight at most. Default 8.
        var concurrency = 8
        /// How long the load runs. Default 1 hour.
        var duration: Duration = .seconds(3600)
        /// Time between two faults. Default 60 s.
        var faultInterval: Duration = .seconds(60)
        /// How long a fault lasts. Default 20 s.
        var faultDuration: Duration = .seconds(20)
        /// The models faulted, in turn.
        var faultModels = ["gemma2:9b", "llama3.1:8b", "phi3:mini"]
    }

    static let tasks = [
        "expand_queries", "enrich_metadata", "recovery_plan", "judge", "rerank_candidates", "site_tactics",
    ]
    /// `nil`: the task's own strategy.
    static let strategies: [String?] = [nil, "FASTEST", "WEIGHTED", "VOTING", "CONSENSUS", "JUDGE"]
    static let topics = [
        "swift server frameworks", "vector databases", "HTTP 429 from example.org", "rust async runtimes",
        "kubernetes autoscaling", "product pages of example.org", "llama.cpp quantisation", "postgres indexes",
    ]

    let configuration: Configuration
    let simulator: ProviderSimulator
    let httpClient: HTTPClient
    let logger: Logger

    func run() async throws {
        let ready = await waitForPool()
        guard ready else {
            logger.warning("demo traffic: the pool did not answer /healthz; no traffic")
            return
        }
        logger.info(
            "demo traffic started",
            metadata: [
                "requests_per_second": "\(1 / configuration.interval.seconds)",
                "fault_every_s": "\(configuration.faultInterval.components.seconds)",
            ]
        )
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.injectFaults() }
                group.addTask { await self.load() }
            }
        }
        for model in configuration.faultModels { try? simulator.setFaults(.none, for: model) }
    }

    /// Up to 60 tries, a quarter of a second apart.
    private func waitForPool() async -> Bool {
        for _ in 0..<240 {
            var request = HTTPClientRequest(url: configuration.poolURL + "/healthz")
            request.method = .GET
            if let response = try? await httpClient.execute(request, timeout: .seconds(2)), response.status == .ok {
                return true
            }
            do { try await Task.sleep(for: .milliseconds(250)) } catch { return false }
        }
        return false
    }

    private func load() async {
        let rounds = Int(configuration.duration / configuration.interval)
        let slots = TrafficSlots(configuration.concurrency)
        await withDiscardingTaskGroup { group in
            for round in 0..<rounds {
                do { try await Task.sleep(for: configuration.interval) } catch { return }
                guard slots.tryAcquire() else { continue }  // saturated: skip this beat
                group.addTask {
                    defer { slots.release() }
                    await self.send(round)
                }
            }
        }
    }

    /// One request of the mix: round `n` picks the task, the strategy and the door.
    private func send(_ n: Int) async {
        let task = Self.tasks[n % Self.tasks.count]
        let strategy = Self.strategies[(n / Self.tasks.count) % Self.strategies.count]
        let topic = Self.topics[Int.random(in: 0..<Self.topics.count)] + " #\(Int.random(in: 0..<50))"
        // One in five is deterministic, so some answers come from the cache.
        let temperature = n % 5 == 0 ? 0 : 0.7
        var request: HTTPClientRequest
        switch n % 4 {
        case 3:
            request = HTTPClientRequest(url: configuration.poolURL + "/v1/chat/completions")
            var body: [String: Any] = [
                "model": "pool/\(task)", "temperature": temperature,
                "messages": [["role": "user", "content": topic]],
            ]
            if let strategy { body["strategy"] = strategy }
            request.body = .bytes(ByteBuffer(bytes: Self.json(body)))
        default:
            let stream = n % 4 == 2
            request = HTTPClientRequest(url: configuration.poolURL + (stream ? "/v1/infer/stream" : "/v1/infer"))
            var body: [String: Any] = ["task": task, "input": topic, "deadlineMs": 8000, "temperature": temperature]
            if let strategy { body["strategy"] = strategy }
            request.body = .bytes(ByteBuffer(bytes: Self.json(body)))
        }
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-llm-pool-tenant", value: "demo-traffic")
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(15))
            _ = try await response.body.collect(upTo: 1 << 20)
        } catch {
            logger.debug("demo traffic request failed", metadata: ["error": "\(error)"])
        }
    }

    /// Every `faultInterval`: the next model fails every call for `faultDuration`.
    private func injectFaults() async {
        guard !configuration.faultModels.isEmpty else { return }
        let rounds = Int(configuration.duration / configuration.faultInterval)
        for round in 0..<rounds {
            do { try await Task.sleep(for: configuration.faultInterval) } catch { return }
            let model = configuration.faultModels[round % configuration.faultModels.count]
            try? simulator.setFaults(SimulatorFaults(errorRate: 1), for: model)
            logger.info("demo traffic: fault injected", metadata: ["model": "\(model)", "error_rate": "1"])
            do {
                try await Task.sleep(for: configuration.faultDuration)
            } catch {
                try? simulator.setFaults(.none, for: model)
                return
            }
            try? simulator.setFaults(.none, for: model)
            logger.info("demo traffic: fault cleared", metadata: ["model": "\(model)"])
        }
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
    }
}
