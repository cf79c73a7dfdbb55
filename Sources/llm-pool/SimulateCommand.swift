import ArgumentParser
import Foundation
import LLMPoolSimulator
import Logging
import ServiceLifecycle
import UnixSignals

/// `llm-pool simulate`: serves simulated models over the Ollama and OpenAI protocols.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve simulated LLMs over the Ollama and OpenAI APIs, with injectable faults."
    )

    @Option(name: .long, help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to bind.")
    var port: Int = 11434

    @Option(name: .long, help: "Factor applied to the simulated latencies (0 = no added latency).")
    var latencyScale: Double = 1

    @Option(name: .long, help: "Require this API key on the OpenAI endpoints.")
    var apiKey: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Behave like a real server: a behavior as JSON for every model.",
            discussion:
                #"For example '{"single_slot": true, "blocks_listings": true}'; the keys are SimulatorBehavior's."#
        )
    )
    var behavior: String?

    func validate() throws {
        _ = try parsedBehavior()
    }

    /// The `--behavior` option decoded and checked, `nil` when absent.
    private func parsedBehavior() throws -> SimulatorBehavior? {
        guard let behavior else { return nil }
        do {
            let parsed = try JSONDecoder().decode(SimulatorBehavior.self, from: Data(behavior.utf8))
            try parsed.validate()
            return parsed
        } catch {
            throw ValidationError("--behavior is not a valid behavior: \(error)")
        }
    }

    func run() async throws {
        let simulator = ProviderSimulator(
            configuration: SimulatorConfiguration(
                host: host,
                port: port,
                models: SimulatorConfiguration.demoModels(),
                apiKey: apiKey,
                latencyScale: latencyScale
            )
        )
        if let behavior = try parsedBehavior() {
            for model in simulator.configuration.models { try simulator.setBehavior(behavior, for: model.name) }
        }
        let logger = Logger(label: "llm-pool.simulate")
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: simulator)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let bound = try await simulator.waitUntilStarted()
            logger.info(
                "simulator listening",
                metadata: ["url": "http://\(host):\(bound)", "models": "\(simulator.configuration.models.map(\.name))"]
            )
            try await tasks.waitForAll()
        }
    }
}
