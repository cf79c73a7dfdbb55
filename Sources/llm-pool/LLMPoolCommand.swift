import ArgumentParser

/// `llm-pool`: pools several LLMs behind one gRPC + HTTP inference API.
@main
struct LLMPoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm-pool",
        abstract: "Pools several LLMs behind one gRPC + HTTP inference API.",
        subcommands: [ServeCommand.self, DemoCommand.self, SimulateCommand.self, CheckConfigCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
