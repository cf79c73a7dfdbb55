import AsyncHTTPClient
import Foundation
import LLMPoolCore
import Logging
import Synchronization

@testable import LLMPoolServer

/// A configuration file and its prompt in a temporary folder, the pool built from it, and a log
/// that keeps what was written.
struct ReloadFixture {
    /// The settings a test changes between versions of the file.
    struct Settings {
        var maxTokens = 256
        var weight = 1.0
        var timeoutMs = 15000
        var httpPort = 7071
        var prompt = "Expand: {{input}}"
        var extra = ""
    }

    let folder: URL
    let log = RecordingLogHandler.Storage()
    var path: String { folder.appendingPathComponent("llm-pool.toml").path }
    var logger: Logger {
        let storage = log
        return Logger(label: "reload-test") { _ in RecordingLogHandler(storage: storage) }
    }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("llm-pool-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("prompts"),
            withIntermediateDirectories: true
        )
        try write(Settings())
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    static func toml(_ settings: Settings) -> String {
        """
        [server]
        host = "127.0.0.1"
        http_port = \(settings.httpPort)

        [[providers]]
        name = "phi3-mini"
        base_url = "http://127.0.0.1:1"
        model = "phi3:mini"
        timeout_ms = \(settings.timeoutMs)
        weight = \(settings.weight)

        [[providers]]
        name = "gemma2-9b"
        base_url = "http://127.0.0.1:1"
        model = "gemma2:9b"

        [tasks.expand_queries]
        providers = ["phi3-mini", "gemma2-9b"]
        prompt = "prompts/expand.md"
        max_tokens = \(settings.maxTokens)
        temperature = 0.0
        \(settings.extra)
        """
    }

    /// Writes the file (and its prompt) in place.
    func write(_ settings: Settings) throws {
        try settings.prompt.write(
            to: folder.appendingPathComponent("prompts/expand.md"),
            atomically: false,
            encoding: .utf8
        )
        try Self.toml(settings).write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Writes the file as editors do: a new file renamed over the old one.
    func replace(_ settings: Settings) throws {
        let temporary = folder.appendingPathComponent(".llm-pool.toml.tmp").path
        try Self.toml(settings).write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// The pool serving the file as it is now, assembled as `serve` does, with `providers` (built
    /// from the file when nil).
    /// `built`, when given, records the name of every provider the pool builds.
    func pool(providers: [any Provider]? = nil, built: BuildLog? = nil) throws -> PoolComponents {
        let configuration = try ConfigurationLoader.load(path: path)
        var options = PoolComponents.Options()
        if let providers {
            options.makeProviders = { configuration in
                built?.record(configuration.providers.map(\.name))
                return configuration.providers.compactMap { entry in providers.first { $0.name == entry.name } }
            }
        }
        return try PoolComponents(
            configuration: configuration,
            httpClient: HTTPClient.shared,
            logger: logger,
            telemetry: .makeStandalone(),
            options: options
        )
    }
}

/// The names of the providers a pool built, in order.
final class BuildLog: Sendable {
    private let names = Mutex<[String]>([])
    var all: [String] { names.withLock { $0 } }
    func record(_ built: [String]) { names.withLock { $0 += built } }
}

/// A log handler that keeps every entry, for tests that check what was logged.
struct RecordingLogHandler: LogHandler {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    final class Storage: Sendable {
        private let entries = Mutex<[Entry]>([])
        var all: [Entry] { entries.withLock { $0 } }
        func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
    }

    let storage: Storage
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.append(
            Entry(
                level: event.level,
                message: "\(event.message)",
                metadata: metadata.merging(event.metadata ?? [:]) { $1 }
            )
        )
    }
}
