import ArgumentParser
import LLMPoolCore

/// `llm-pool check-config [PATH]`: validates a configuration file and prints every error.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print every error with its key and line."
    )

    @Argument(help: "The configuration file.")
    var path: String = "llm-pool.toml"

    func run() throws {
        do {
            let config = try ConfigurationLoader.load(path: path)
            print("\(path): OK (\(config.providers.count) providers, \(config.tasks.count) tasks)")
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var stderr = StandardError()
    print(message, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.writeStandardError(string)
    }
}
