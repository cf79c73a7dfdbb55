import ArgumentParser
import AsyncHTTPClient
import Foundation
import LLMPoolCore
import LLMPoolServer
import LLMPoolSimulator
import Logging

/// `llm-pool demo`: starts simulated providers for the three configured models and serves the
/// pool against them over real loopback HTTP. No Ollama needed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Serve the pool against simulated providers (no Ollama needed)."
    )

    @Option(
        name: .long,
        help:
            "The configuration file; its providers are pointed at the simulator. The embedded default is used when the file does not exist."
    )
    var config: String = "llm-pool.toml"

    @Option(name: .long, help: "HTTP port.")
    var httpPort: Int = 7071

    @Option(name: .long, help: "gRPC port.")
    var grpcPort: Int = 7070

    @Option(name: .long, help: "Port of the simulated providers (0 picks a free one).")
    var simulatorPort: Int = 0

    @Option(name: .long, help: "Factor applied to the simulated latencies (0 = no added latency).")
    var latencyScale: Double = 1

    @Option(name: .long, help: "Log format: json or text (overrides logging.format).")
    var logFormat: String?

    @Flag(
        name: .long,
        help: "Send a gentle mixed load over every task and strategy, and fault one model every minute for 20 s."
    )
    var traffic = false

    @Option(name: .long, help: "With --traffic: seconds between two faults (0: no faults).")
    var faultInterval: Int = 60

    @Option(name: .long, help: "With --traffic: seconds a fault lasts.")
    var faultDuration: Int = 20

    func run() async throws {
        var configuration: PoolConfiguration
        do {
            if FileManager.default.fileExists(atPath: config) {
                configuration = try ConfigurationLoader.load(path: config)
            } else {
                configuration = try EmbeddedConfiguration.load()
            }
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(1)
        }
        if let logFormat { configuration.logging.format = logFormat }
        Bootstrap.logging(configuration.logging)
        let telemetry: PoolTelemetry
        do {
            telemetry = try Bootstrap.telemetry(configuration)
        } catch let error as PoolError {
            printError(error.message)
            throw ExitCode(1)
        }
        let logger = Logger(label: "llm-pool.demo")

        let simulator = ProviderSimulator(
            configuration: SimulatorConfiguration(
                host: "127.0.0.1",
                port: simulatorPort,
                models: SimulatorConfiguration.demoModels(),
                latencyScale: latencyScale
            )
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await simulator.run() }
            let port = try await simulator.waitUntilStarted()
            logger.info(
                "simulated providers listening",
                metadata: [
                    "url": "http://127.0.0.1:\(port)",
                    "models": .array(SimulatorConfiguration.demoModels().map { .string($0.name) }),
                ]
            )
            let pointAtSimulator: @Sendable (inout PoolConfiguration) -> Void = { [httpPort, grpcPort] configuration in
                for index in configuration.providers.indices {
                    configuration.providers[index].baseURL = "http://127.0.0.1:\(port)"
                    configuration.providers[index].apiKeyEnv = nil
                }
                configuration.server.httpPort = httpPort
                configuration.server.grpcPort = grpcPort
                configuration.server.host = "127.0.0.1"
            }
            pointAtSimulator(&configuration)
            // A file is watched and reloaded; every reload is pointed at the simulator too.
            var runtime = PoolRuntime(
                configuration: configuration,
                configPath: FileManager.default.fileExists(atPath: config) ? config : nil,
                telemetry: telemetry
            )
            runtime.reloadOverrides = pointAtSimulator
            if traffic { runtime.extraServices.append(demoTraffic(simulator: simulator, logger: logger)) }
            if DemoBanner.isTerminal {
                let banner = DemoBanner.text(
                    httpPort: httpPort,
                    grpcPort: grpcPort,
                    traffic: traffic,
                    models: SimulatorConfiguration.demoModels().map(\.name)
                )
                runtime.onHTTPRunning = { _ in print(banner) }
            }
            try await runtime.run()
            group.cancelAll()
        }
    }

    /// The `--traffic` load, run by the runtime's service group.
    private func demoTraffic(simulator: ProviderSimulator, logger: Logger) -> DemoTraffic {
        var configuration = DemoTraffic.Configuration(poolURL: "http://127.0.0.1:\(httpPort)")
        configuration.faultInterval = .seconds(max(1, faultInterval))
        configuration.faultDuration = .seconds(max(1, faultDuration))
        if faultInterval <= 0 { configuration.faultModels = [] }
        return DemoTraffic(configuration: configuration, simulator: simulator, httpClient: .shared, logger: logger)
    }
}
