import AsyncHTTPClient
import Foundation
import LLMPoolCore
import LLMPoolServer
import LLMPoolSimulator
import LLMPoolTesting
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// `PoolRuntime` as `llm-pool serve` runs it — a configuration file, its reloads, real sockets —
/// over the simulator: what the file says about strategies is what the running server does.
@Suite("serve's assembly", .timeLimit(.minutes(1)))
struct ServeAssemblyTests {
    struct Settings {
        var threshold = 0.99
        var fallback = "best"
        var judge = "j1"
        var judgeTemplate = "JUDGE-V1 {{input}}"
        var warmup = ""
    }

    static let models = [
        SimulatedModel.instant(name: "model-a", seed: 1),
        SimulatedModel.instant(name: "model-b", seed: 2),
        SimulatedModel.instant(name: "model-j1", seed: 3),
        SimulatedModel.instant(name: "model-j2", seed: 4),
    ]

    static func toml(_ settings: Settings, baseURL: String) -> String {
        let providers = ["a", "b", "j1", "j2"].map { (name: String) -> String in
            """
            [[providers]]
            name = "\(name)"
            base_url = "\(baseURL)"
            model = "model-\(name)"
            \(name == settings.warmup ? "warmup = true" : "")

            """
        }
        return """
            [server]
            host = "127.0.0.1"
            http_port = 0
            grpc_port = 0

            \(providers.joined())
            [tasks.agree]
            strategy = "CONSENSUS"
            providers = ["a", "b"]
            prompt = "prompts/agree.md"
            max_tokens = 16

            [tasks.pick]
            strategy = "JUDGE"
            providers = ["a", "b"]
            prompt = "prompts/agree.md"
            max_tokens = 16

            [tasks.judge]
            providers = ["\(settings.judge)"]
            prompt = "prompts/judge.md"
            max_tokens = 16

            [qos.consensus]
            threshold = \(settings.threshold)
            quorum = 2
            fallback = "\(settings.fallback)"

            [cache]
            enabled = false
            """
    }

    /// Writes the file and its prompts in `folder`.
    static func write(_ settings: Settings, baseURL: String, in folder: URL) throws {
        let prompts = folder.appendingPathComponent("prompts")
        try FileManager.default.createDirectory(at: prompts, withIntermediateDirectories: true)
        try "Answer: {{input}}".write(to: prompts.appendingPathComponent("agree.md"), atomically: true, encoding: .utf8)
        try settings.judgeTemplate.write(
            to: prompts.appendingPathComponent("judge.md"),
            atomically: true,
            encoding: .utf8
        )
        try toml(settings, baseURL: baseURL).write(
            to: folder.appendingPathComponent("llm-pool.toml"),
            atomically: true,
            encoding: .utf8
        )
    }

    /// Runs `PoolRuntime` on the file in `folder` and hands `body` its HTTP base URL.
    static func serve(folder: URL, _ body: @Sendable (String) async throws -> Void) async throws {
        let path = folder.appendingPathComponent("llm-pool.toml").path
        let configuration = try ConfigurationLoader.load(path: path)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let runtime = PoolRuntime(
            configuration: configuration,
            configPath: path,
            onHTTPRunning: { continuation.yield($0) },
            telemetry: .makeStandalone()
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runtime.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body("http://127.0.0.1:\(port)")
            group.cancelAll()
        }
    }

    /// `POST /v1/infer` for `task`: the status and the JSON body.
    static func infer(_ base: String, task: String) async throws -> (UInt, [String: Any]) {
        var request = HTTPClientRequest(url: base + "/v1/infer")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"task":"\#(task)","input":"swift servers"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
        return (response.status.code, object)
    }

    /// Sends `task` until `condition` holds for an answer (a reload landing), at most 10 s.
    static func eventually(
        _ base: String,
        task: String,
        _ condition: (UInt, [String: Any]) -> Bool
    ) async throws -> (UInt, [String: Any]) {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        var last = try await infer(base, task: task)
        while !condition(last.0, last.1), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            last = try await infer(base, task: task)
        }
        return last
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("llm-pool-serve-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("[qos.consensus] takes effect at start-up and after a reload")
    func consensusSettings() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try Self.write(Settings(), baseURL: simulator.baseURL, in: folder)
            try await Self.serve(folder: folder) { base in
                // Two different answers never agree at 0.99: "best" answers anyway.
                let (status, body) = try await Self.infer(base, task: "agree")
                #expect(status == 200)
                #expect(body["strategy"] as? String == "CONSENSUS")
                var settings = Settings()
                settings.fallback = "error"
                try Self.write(settings, baseURL: simulator.baseURL, in: folder)
                let (after, error) = try await Self.eventually(base, task: "agree") { status, _ in status != 200 }
                #expect(after == 422)
                let message = (error["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("0.99"), "\(message)")
            }
        }
    }

    @Test("the judge task's provider and template take effect at start-up and after a reload")
    func judgeSettings() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            try Self.write(Settings(), baseURL: simulator.baseURL, in: folder)
            try await Self.serve(folder: folder) { base in
                let (status, _) = try await Self.infer(base, task: "pick")
                #expect(status == 200)
                let first = simulator.recentRequests().filter { $0.prompt.contains("JUDGE-") }
                #expect(first.map(\.model) == ["model-j1"])
                #expect(first.first?.prompt.contains("JUDGE-V1") == true)
                var settings = Settings()
                settings.judge = "j2"
                settings.judgeTemplate = "JUDGE-V2 {{input}}"
                try Self.write(settings, baseURL: simulator.baseURL, in: folder)
                _ = try await Self.eventually(base, task: "pick") { _, _ in
                    simulator.recentRequests().contains { $0.model == "model-j2" }
                }
                let judged = simulator.recentRequests().filter { $0.model == "model-j2" }
                #expect(!judged.isEmpty)
                #expect(judged.allSatisfy { $0.prompt.contains("JUDGE-V2") })
            }
        }
    }

    @Test("the simulated judge answers a verdict JUDGE accepts; malformed_judge makes JUDGE fall back (F15)")
    func simulatedJudge() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            var settings = Settings()
            settings.judgeTemplate = #"Pick one: {{input}} Answer {"choice": <index>, "reason": "why"}"#
            try Self.write(settings, baseURL: simulator.baseURL, in: folder)
            try await Self.serve(folder: folder) { base in
                let (status, body) = try await Self.infer(base, task: "pick")
                #expect(status == 200)
                let reason = (body["decision"] as? [String: Any])?["reason"] as? String ?? ""
                #expect(reason.contains("judge j1 chose candidate"), "\(reason)")
                try simulator.setFaults(SimulatorFaults(malformedJudge: true), for: "model-j1")
                let (again, fallback) = try await Self.eventually(base, task: "pick") { _, body in
                    ((body["decision"] as? [String: Any])?["reason"] as? String ?? "").contains("malformed")
                }
                #expect(again == 200)
                let note = (fallback["decision"] as? [String: Any])?["reason"] as? String ?? ""
                #expect(note.contains("malformed"), "\(note)")
            }
        }
    }

    @Test("a provider with warmup = true gets a 1-token request at start-up, before any user request")
    func warmup() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await ProviderSimulator.withRunning(models: Self.models) { simulator in
            var settings = Settings()
            settings.warmup = "b"
            try Self.write(settings, baseURL: simulator.baseURL, in: folder)
            try await Self.serve(folder: folder) { _ in
                let deadline = ContinuousClock.now.advanced(by: .seconds(10))
                while simulator.recentRequests().isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let requests = simulator.recentRequests()
                #expect(requests.map(\.model) == ["model-b"])
                #expect(requests.first?.maxTokens == 1)
            }
        }
    }
}
