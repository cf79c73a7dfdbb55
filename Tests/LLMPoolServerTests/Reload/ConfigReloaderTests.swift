import AsyncHTTPClient
import Foundation
import LLMPoolCore
import LLMPoolObservability
import LLMPoolTesting
import Logging
import Synchronization
import Testing

@testable import LLMPoolServer

@Suite("Config reload")
struct ConfigReloaderTests {
    static let manual = ConfigReloader.Configuration(
        watch: .none,
        debounce: .milliseconds(200),
        pollInterval: .seconds(1),
        reloadOnSIGHUP: false
    )

    @Test("a valid change takes effect: task and provider settings")
    func validChange() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            metrics: metrics,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )

        try fixture.write(.init(maxTokens: 64, weight: 2.5, timeoutMs: 5000, prompt: "Expand briefly: {{input}}"))
        let result = await reloader.reload()

        #expect(result.isApplied)
        let snapshot = orchestrator.snapshot
        #expect(snapshot.configuration.tasks["expand_queries"]?.maxTokens == 64)
        #expect(snapshot.configuration.provider(named: "phi3-mini")?.weight == 2.5)
        #expect(snapshot.configuration.provider(named: "phi3-mini")?.timeout == .seconds(5))
        #expect(snapshot.configuration.tasks["expand_queries"]?.template.render(["input": "x"]) == "Expand briefly: x")
        #expect(metrics.configReloads.labels("success").value == 1)
        #expect(metrics.configReloads.labels("failure").value == 0)
    }

    @Test("reload(), what SIGHUP does, reloads even an unchanged file")
    func forcedReload() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            metrics: metrics,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )

        #expect(await reloader.reloadIfChanged() == nil)
        #expect(await reloader.reload().isApplied)
        #expect(await reloader.reload().isApplied)
        #expect(metrics.configReloads.labels("success").value == 2)
        #expect(fixture.log.all.filter { $0.message == "configuration reloaded" }.count == 2)
    }

    @Test("an invalid change is rejected with its key paths logged, and the old configuration stays")
    func invalidChange() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let before = orchestrator.snapshot.configuration
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            metrics: metrics,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )

        try fixture.write(.init(maxTokens: 0, timeoutMs: 0))
        let result = await reloader.reload()

        guard case .rejected(let error) = result else {
            Issue.record("expected a rejection, got \(result)")
            return
        }
        #expect(Set(error.issues.map(\.keyPath)) == ["providers[0].timeout_ms", "tasks.expand_queries.max_tokens"])
        #expect(orchestrator.snapshot.configuration == before)
        #expect(metrics.configReloads.labels("failure").value == 1)
        #expect(metrics.configReloads.labels("success").value == 0)
        let logged = fixture.log.all.filter { $0.level == .error }.compactMap { $0.metadata["key_path"]?.description }
        #expect(Set(logged) == ["providers[0].timeout_ms", "tasks.expand_queries.max_tokens"])

        try fixture.write(.init(maxTokens: 128))
        #expect(await reloader.reload().isApplied)
        #expect(orchestrator.snapshot.configuration.tasks["expand_queries"]?.maxTokens == 128)
        #expect(metrics.configReloads.labels("success").value == 1)
    }

    @Test("a file that cannot be read is a failure, not a crash")
    func missingFile() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            metrics: metrics,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )
        try FileManager.default.removeItem(atPath: fixture.path)

        guard case .rejected = await reloader.reload() else {
            Issue.record("expected a rejection")
            return
        }
        #expect(metrics.configReloads.labels("failure").value == 1)
        #expect(orchestrator.snapshot.configuration.tasks["expand_queries"] != nil)
    }

    @Test("a valid file whose provider cannot be built is a failure and changes nothing")
    func failedApply() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let before = orchestrator.snapshot.configuration
        let metrics = PoolMetrics(registry: MetricsRegistry())
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            metrics: metrics,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )

        try fixture.write(
            .init(
                maxTokens: 64,
                extra: """

                    [[providers]]
                    name = "vllm"
                    kind = "openai"
                    base_url = "http://127.0.0.1:1/v1"
                    model = "qwen"
                    api_key_env = "LLMPOOL_RELOAD_TEST_UNSET_KEY"
                    """
            )
        )
        guard case .failed = await reloader.reload() else {
            Issue.record("expected the apply to fail")
            return
        }
        #expect(orchestrator.snapshot.configuration == before)
        #expect(metrics.configReloads.labels("failure").value == 1)
    }

    @Test("settings bound at startup are logged as requiring a restart and kept; the rest applies")
    func restartOnlySettings() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )

        try fixture.write(.init(maxTokens: 32, httpPort: 9999))
        #expect(await reloader.reload().isApplied)

        #expect(orchestrator.snapshot.configuration.server.httpPort == 7071)
        #expect(orchestrator.snapshot.configuration.tasks["expand_queries"]?.maxTokens == 32)
        let warning = fixture.log.all.first { $0.level == .warning && $0.message.contains("requires restart") }
        #expect(warning?.metadata["key_path"]?.description == "server.http_port")
        #expect(warning?.metadata["requested"]?.description == "9999")
    }

    @Test("providers whose entry did not change are kept; changed ones are rebuilt")
    func providerReuse() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let phi = ScriptedProvider(name: "phi3-mini", model: "phi3:mini", behaviour: .answer("ok", delay: .zero))
        let gemma = ScriptedProvider(name: "gemma2-9b", model: "gemma2:9b", behaviour: .answer("ok", delay: .zero))
        let built = BuildLog()
        let pool = try fixture.pool(providers: [phi, gemma], built: built)
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )
        #expect(built.all == ["phi3-mini", "gemma2-9b"])

        try fixture.write(.init(maxTokens: 100))
        #expect(await reloader.reload().isApplied)
        #expect(built.all == ["phi3-mini", "gemma2-9b"])

        try fixture.write(.init(maxTokens: 100, weight: 3))
        #expect(await reloader.reload().isApplied)
        #expect(built.all == ["phi3-mini", "gemma2-9b", "phi3-mini"])
    }

    @Test("a request in flight finishes on the configuration it started with")
    func inFlightRequestKeepsItsSnapshot() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let phi = ScriptedProvider(
            name: "phi3-mini",
            model: "phi3:mini",
            behaviour: .answer("from the old pool", delay: .milliseconds(300))
        )
        let gemma = ScriptedProvider(
            name: "gemma2-9b",
            model: "gemma2:9b",
            behaviour: .answer("from the old pool", delay: .milliseconds(300))
        )
        let pool = try fixture.pool(providers: [phi, gemma])
        let orchestrator = pool.orchestrator
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            logger: fixture.logger,
            apply: pool.reloadApplier().apply
        )

        async let inFlight = orchestrator.infer(
            InferenceRequest(requestID: "r1", task: "expand_queries", input: "swift", deadline: .seconds(5))
        )
        for _ in 0..<500 where phi.calls == 0 { try await Task.sleep(for: .milliseconds(2)) }
        try #require(phi.calls == 1)
        // Both providers now point at a closed port: later requests fail at once.
        try fixture.write(.init(maxTokens: 64, weight: 2))
        try Self.changeGemma(fixture)
        #expect(await reloader.reload().isApplied)

        let answer = try await inFlight
        #expect(answer.text == "from the old pool")
        await #expect(throws: PoolError.self) {
            // New providers at a closed port: `unavailable`, or the deadline while the shared client retries.
            try await orchestrator.infer(
                InferenceRequest(requestID: "r2", task: "expand_queries", input: "swift", deadline: .milliseconds(300))
            )
        }
    }

    static func changeGemma(_ fixture: ReloadFixture) throws {
        let text = try String(contentsOfFile: fixture.path, encoding: .utf8)
            .replacingOccurrences(of: "model = \"gemma2:9b\"", with: "model = \"gemma2:9b\"\ntimeout_ms = 4000")
        try text.write(toFile: fixture.path, atomically: false, encoding: .utf8)
    }

    @Test("a burst of file events is one reload, after the debounce")
    func debounce() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let clock = ManualClock()
        let applier = pool.reloadApplier()
        let (applied, appliedContinuation) = AsyncStream.makeStream(of: Int.self)
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: Self.manual,
            logger: fixture.logger,
            clock: clock
        ) { configuration in
            try await applier.apply(configuration)
            appliedContinuation.yield(configuration.tasks["expand_queries"]?.maxTokens ?? 0)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await reloader.run() }
            var appliedIterator = applied.makeAsyncIterator()
            try fixture.write(.init(maxTokens: 100))
            reloader.fileChanged()
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(150))  // t=150: waiting for quiet until 200
            try fixture.write(.init(maxTokens: 101))
            reloader.fileChanged()
            clock.advance(by: .milliseconds(150))  // t=300: sees the second event, waits until 500
            await clock.waitForSleepers(1)
            try fixture.write(.init(maxTokens: 102))
            reloader.fileChanged()
            clock.advance(by: .milliseconds(200))  // t=500: sees the third event, waits until 700
            await clock.waitForSleepers(1)
            #expect(orchestrator.snapshot.configuration.tasks["expand_queries"]?.maxTokens == 256)
            clock.advance(by: .milliseconds(200))  // t=700: quiet, one reload of the last content
            #expect(await appliedIterator.next() == 102)
            #expect(orchestrator.snapshot.configuration.tasks["expand_queries"]?.maxTokens == 102)

            // An event with nothing changed (an editor's swap file, a second rename event) reloads nothing.
            #expect(await reloader.reloadIfChanged() == nil)
            group.cancelAll()
        }
        appliedContinuation.finish()
    }

    @Test("polling notices a change without inotify")
    func polling() async throws {
        let fixture = try ReloadFixture()
        defer { fixture.remove() }
        let pool = try fixture.pool()
        let orchestrator = pool.orchestrator
        let clock = ManualClock()
        let applier = pool.reloadApplier()
        let (applied, appliedContinuation) = AsyncStream.makeStream(of: Int.self)
        var configuration = Self.manual
        configuration.watch = .polling
        let reloader = ConfigReloader(
            path: fixture.path,
            configuration: configuration,
            logger: fixture.logger,
            clock: clock
        ) { configuration in
            try await applier.apply(configuration)
            appliedContinuation.yield(configuration.tasks["expand_queries"]?.maxTokens ?? 0)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await reloader.run() }
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(1))
            await clock.waitForSleepers(1)
            try fixture.write(.init(maxTokens: 77))
            clock.advance(by: .seconds(1))
            // The poll saw the change: now it and the debounce sleep.
            await clock.waitForSleepers(2)
            clock.advance(by: .milliseconds(200))
            var iterator = applied.makeAsyncIterator()
            #expect(await iterator.next() == 77)
            group.cancelAll()
        }
        appliedContinuation.finish()
    }

    #if os(Linux)
        @Test(
            "inotify notices a rename over the file and a prompt edit, whatever else the folder sees",
            .timeLimit(.minutes(1))
        )
        func inotify() async throws {
            let fixture = try ReloadFixture()
            defer { fixture.remove() }
            let pool = try fixture.pool()
            let orchestrator = pool.orchestrator
            let applier = pool.reloadApplier()
            let (applied, appliedContinuation) = AsyncStream.makeStream(of: String.self)
            var configuration = Self.manual
            configuration.watch = .automatic
            configuration.debounce = .milliseconds(50)
            let reloader = ConfigReloader(path: fixture.path, configuration: configuration, logger: fixture.logger) {
                configuration in
                try await applier.apply(configuration)
                appliedContinuation.yield(configuration.tasks["expand_queries"]?.template.render(["input": "x"]) ?? "")
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await reloader.run() }
                for _ in 0..<500 where !fixture.log.all.contains(where: { $0.message == "config reloader watching" }) {
                    try await Task.sleep(for: .milliseconds(2))
                }
                #expect(
                    fixture.log.all.first { $0.message == "config reloader watching" }?.metadata["watch"]?.description
                        == "inotify"
                )
                var iterator = applied.makeAsyncIterator()

                try fixture.replace(.init(maxTokens: 300))
                _ = await iterator.next()
                #expect(orchestrator.snapshot.configuration.tasks["expand_queries"]?.maxTokens == 300)

                try "Expand further: {{input}}".write(
                    to: fixture.folder.appendingPathComponent("prompts/expand.md"),
                    atomically: true,
                    encoding: .utf8
                )
                #expect(await iterator.next() == "Expand further: x")

                // A file beside the configuration written without pause (a log) does not hold a reload back.
                let busy = Task {
                    let log = try FileHandle(
                        forWritingTo: fixture.folder.appendingPathComponent("busy.log").createFile()
                    )
                    for _ in 0..<1000 where !Task.isCancelled {
                        log.write(Data("line\n".utf8))
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                try fixture.write(.init(maxTokens: 301))
                _ = await iterator.next()
                busy.cancel()
                #expect(orchestrator.snapshot.configuration.tasks["expand_queries"]?.maxTokens == 301)
                group.cancelAll()
            }
            appliedContinuation.finish()
        }
    #endif
}

extension ConfigReloadResult: CustomStringConvertible {
    public var description: String {
        switch self {
        case .applied: "applied"
        case .rejected(let error): "rejected: \(error)"
        case .failed(let error): "failed: \(error)"
        }
    }
}

extension URL {
    /// Creates an empty file here and returns its URL.
    func createFile() throws -> URL {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        return self
    }
}
