import ArgumentParser
import NIOCore
import NIOPosix

/// `llm-pool`: pools several LLMs behind one gRPC + HTTP inference API.
@main
struct LLMPoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm-pool",
        abstract: "Pools several LLMs behind one gRPC + HTTP inference API.",
        subcommands: [ServeCommand.self, DemoCommand.self, SimulateCommand.self, CheckConfigCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    static func main() async {
        // Run Swift concurrency on NIO's event loop threads: request handlers, provider calls and
        // the server share threads instead of hopping between two pools on every await.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
