import ArgumentParser
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
