import ArgumentParser
import LLMPoolCore
import LLMPoolServer
import Logging

/// `llm-pool serve`: runs the pool with a configuration file.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the pool over HTTP and gRPC using a configuration file."
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String = "llm-pool.toml"

    @Option(name: .long, help: "HTTP port (overrides server.http_port).")
    var httpPort: Int?

    @Option(name: .long, help: "gRPC port (overrides server.grpc_port).")
    var grpcPort: Int?

    @Option(name: .long, help: "Address to bind (overrides server.host).")
    var host: String?

    func run() async throws {
        var configuration: PoolConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: config)
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(1)
        }
        let flags: @Sendable (inout PoolConfiguration) -> Void = { [httpPort, grpcPort, host] configuration in
            if let httpPort { configuration.server.httpPort = httpPort }
            if let grpcPort { configuration.server.grpcPort = grpcPort }
            if let host { configuration.server.host = host }
        }
        flags(&configuration)
        Bootstrap.logging(configuration.logging)
        let telemetry: PoolTelemetry
        do {
            telemetry = try Bootstrap.telemetry(configuration)
        } catch let error as PoolError {
            printError(error.message)
            throw ExitCode(1)
        }
        var runtime = PoolRuntime(configuration: configuration, configPath: config, telemetry: telemetry)
        runtime.reloadOverrides = flags  // reloads keep the flags' values
        try await runtime.run()
    }
}
