import Foundation
import LLMPoolCore
import LLMPoolObservability
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Watches the configuration file and puts every valid change into force without a restart.
///
/// Changes are noticed through inotify on the folders of the file and of its prompt templates
/// (folders, so that editors that rename a new file over the old one and Kubernetes ConfigMap
/// volumes that swap a `..data` link are seen), or by polling every second where inotify is
/// unavailable. With inotify the files are also polled every ten seconds, for file systems that
/// deliver no events (NFS, some container bind mounts). A burst of events is debounced (though
/// never for more than ten debounce periods), and the file is reloaded only when it or a prompt
/// really changed (size, modification time or contents). SIGHUP forces a reload.
///
/// A reload loads and validates the whole file with `ConfigurationLoader.load(path:)`. A valid
/// file is handed to `apply` (see ``PoolReloadApplier``); requests that already started finish on
/// the configuration they started with. An invalid file is rejected: every issue is logged at
/// error level with its key path, and the configuration in force stays.
/// `llm_pool_config_reloads_total{result="success"|"failure"}` counts both.
///
/// ```swift
/// let applier = PoolReloadApplier(orchestrator: orchestrator, httpClient: httpClient, logger: logger)
/// let reloader = ConfigReloader(path: "llm-pool.toml", metrics: metrics, logger: logger, apply: applier.apply)
/// let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: reloader)], logger: logger))
/// ```
public actor ConfigReloader: Service {
    /// How the reloader notices changes. Not read from the TOML file: it is how the file is read.
    public struct Configuration: Sendable {
        /// How file changes are noticed.
        public enum Watch: String, Sendable {
            /// inotify on Linux; polling where inotify is not available.
            case automatic
            /// Polling every ``Configuration/pollInterval``.
            case polling
            /// Not at all: only SIGHUP and ``ConfigReloader/reload()`` reload.
            case none
        }

        /// How file changes are noticed. Default `.automatic`.
        public var watch: Watch
        /// Quiet time after the last file event before the file is read, so that a burst of
        /// writes is one reload. Default 200 ms.
        public var debounce: Duration
        /// Time between two checks when polling. Default 1 s; with inotify, ten times as long.
        public var pollInterval: Duration
        /// Whether SIGHUP forces a reload. Default true. A process has one handler per signal:
        /// only one reloader may trap it.
        public var reloadOnSIGHUP: Bool

        /// The defaults.
        public static var defaults: Configuration {
            .init(watch: .automatic, debounce: .milliseconds(200), pollInterval: .seconds(1), reloadOnSIGHUP: true)
        }
    }

    /// The configuration file.
    public nonisolated let path: String
    private let configuration: Configuration
    private let apply: @Sendable (PoolConfiguration) async throws -> Void
    /// Told every reload's result (the console shows the last one).
    private let onResult: @Sendable (ConfigReloadResult) -> Void
    private let metrics: PoolMetrics?
    private let logger: Logger
    private let clock: any Clock<Duration>
    private let changes: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)
    /// File events so far; the debounce waits until it stops moving.
    private let changeCount = Atomic<Int>(0)

    /// The state of the files when they were last read, valid or not.
    private var seen: ConfigFingerprint
    /// The prompt templates the last valid file named, resolved against its folder.
    private var promptPaths: [String]
    /// The reload in progress or last done: reloads run one after the other.
    private var latest: Task<ConfigReloadResult, Never>?
    #if canImport(Glibc)
        private var inotify: InotifyWatcher?
    #endif

    /// Creates a reloader. Changes made after this call are reloaded once ``run()`` runs.
    /// - Parameters:
    ///   - path: The configuration file, as given to `ConfigurationLoader.load(path:)`.
    ///   - configuration: How changes are noticed.
    ///   - metrics: Where reloads are counted, if anywhere.
    ///   - logger: Where reloads, rejections and their issues are logged.
    ///   - clock: The clock for the debounce and polling.
    ///   - onResult: Told the result of every reload; default nothing.
    ///   - apply: Puts a valid configuration into force; when it throws, the reload counts as a
    ///     failure and the previous configuration is expected to stay.
    public init(
        path: String,
        configuration: Configuration = .defaults,
        metrics: PoolMetrics? = nil,
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        onResult: @escaping @Sendable (ConfigReloadResult) -> Void = { _ in },
        apply: @escaping @Sendable (PoolConfiguration) async throws -> Void
    ) {
        self.onResult = onResult
        self.path = path
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.apply = apply
        self.changes = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let current = try? ConfigurationLoader.load(path: path)
        self.promptPaths = current.map { Self.promptPaths(of: $0, configPath: path) } ?? []
        self.seen = ConfigFingerprint(paths: [path] + promptPaths)
        // Both series exist from the start, so a dashboard shows 0 rather than no data.
        metrics?.configReloads.labels("success").increment(by: 0)
        metrics?.configReloads.labels("failure").increment(by: 0)
    }

    /// Watches for changes and SIGHUP until graceful shutdown or cancellation.
    public func run() async throws {
        let signals = configuration.reloadOnSIGHUP ? await UnixSignalsSequence(trapping: .sighup) : nil
        let mode = startWatching()
        logger.info(
            "config reloader watching",
            metadata: [
                "path": "\(path)", "watch": "\(mode.rawValue)", "sighup": "\(signals != nil)",
            ]
        )
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let signals {
                    group.addTask {
                        for await _ in signals {
                            await self.logSignal()
                            _ = await self.reload()
                        }
                    }
                }
                switch mode {
                case .inotify:
                    group.addTask { await self.runInotify() }
                    group.addTask { await self.poll(every: self.configuration.pollInterval * 10) }
                case .polling:
                    group.addTask { await self.poll(every: self.configuration.pollInterval) }
                case .none:
                    break
                }
                group.addTask { await self.reloadAfterQuiet() }
            }
        }
    }

    /// Loads the file now and, when it is valid, applies it; when it is not, logs every issue and
    /// keeps the configuration in force. This is what SIGHUP does. Reloads run one at a time.
    public func reload() async -> ConfigReloadResult {
        let previous = latest
        let next = Task {
            _ = await previous?.value
            let result = await self.load()
            self.onResult(result)
            return result
        }
        latest = next
        return await next.value
    }

    /// Records a file event; the file is checked once events stop for the debounce time.
    nonisolated func fileChanged() {
        changeCount.add(1, ordering: .relaxed)
        changes.continuation.yield()
    }

    /// Reloads when the file or a prompt differs from what was last read.
    /// - Returns: The reload's result, or `nil` when nothing changed.
    func reloadIfChanged() async -> ConfigReloadResult? {
        guard ConfigFingerprint(paths: watchedPaths) != seen else { return nil }
        return await reload()
    }

    private var watchedPaths: [String] { [path] + promptPaths }

    private func load() async -> ConfigReloadResult {
        let before = ConfigFingerprint(paths: watchedPaths)
        let loaded: PoolConfiguration
        do {
            loaded = try ConfigurationLoader.load(path: path)
        } catch {
            seen = before
            let error =
                error as? ConfigurationError
                ?? ConfigurationError(path: path, issues: [.init(keyPath: "", message: "\(error)")])
            reject(error)
            return .rejected(error)
        }
        promptPaths = Self.promptPaths(of: loaded, configPath: path)
        let after = ConfigFingerprint(paths: watchedPaths)
        // A write that lands while the file is being read leaves `seen` at the earlier state, so
        // the next check reloads again.
        seen = after.agrees(with: before) ? after : before
        watchFiles()
        do {
            try await apply(loaded)
        } catch {
            logger.error(
                "configuration reload failed; the previous configuration stays in force",
                metadata: [
                    "path": "\(path)", "error": "\(error)",
                ]
            )
            metrics?.configReloads.labels("failure").increment()
            return .failed(error)
        }
        logger.info(
            "configuration reloaded",
            metadata: [
                "path": "\(path)", "providers": "\(loaded.providers.count)", "tasks": "\(loaded.tasks.count)",
            ]
        )
        metrics?.configReloads.labels("success").increment()
        return .applied(loaded)
    }

    private func reject(_ error: ConfigurationError) {
        for issue in error.issues {
            var metadata: Logger.Metadata = [
                "path": "\(path)", "key_path": "\(issue.keyPath)", "problem": "\(issue.message)",
            ]
            if let line = issue.line { metadata["line"] = "\(line)" }
            logger.error("configuration reload rejected: \(issue)", metadata: metadata)
        }
        logger.error(
            "configuration reload rejected; the previous configuration stays in force",
            metadata: [
                "path": "\(path)", "errors": "\(error.issues.count)",
            ]
        )
        metrics?.configReloads.labels("failure").increment()
    }

    private func logSignal() {
        logger.info("SIGHUP received: reloading the configuration", metadata: ["path": "\(path)"])
    }

    /// Waits until file events stop for the debounce time (at most ten times over, so that a file
    /// rewritten without pause is still reloaded), then reloads if anything changed.
    private func reloadAfterQuiet() async {
        for await _ in changes.stream {
            var count = changeCount.load(ordering: .relaxed)
            for _ in 0..<10 {
                do {
                    try await clock.sleep(for: configuration.debounce)
                } catch {
                    return
                }
                let now = changeCount.load(ordering: .relaxed)
                if now == count { break }
                count = now
            }
            _ = await reloadIfChanged()
        }
    }

    private func poll(every interval: Duration) async {
        while true {
            do {
                try await clock.sleep(for: interval)
            } catch {
                return
            }
            // Small files: reading them on this executor costs microseconds.
            if ConfigFingerprint(paths: watchedPaths) != seen { fileChanged() }
        }
    }

    /// How changes are being noticed.
    private enum Mode: String {
        case inotify, polling, none
    }

    /// Chooses how to watch: inotify when asked for and available, else polling.
    private func startWatching() -> Mode {
        switch configuration.watch {
        case .none:
            return .none
        case .polling:
            return .polling
        case .automatic:
            #if canImport(Glibc)
                if let watcher = InotifyWatcher(), watcher.watch(file: path) {
                    inotify = watcher
                    watchFiles()
                    return .inotify
                }
                logger.warning(
                    "inotify unavailable: polling the configuration file",
                    metadata: [
                        "path": "\(path)", "interval": "\(configuration.pollInterval)",
                    ]
                )
            #endif
            return .polling
        }
    }

    /// Watches the file and its prompts, and the files their links point to.
    private func watchFiles() {
        #if canImport(Glibc)
            guard let inotify else { return }
            for path in watchedPaths {
                inotify.watch(file: path)
                let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                if target != path { inotify.watch(file: target) }
            }
        #endif
    }

    private func runInotify() async {
        #if canImport(Glibc)
            await inotify?.run { [weak self] in self?.fileChanged() }
        #endif
    }

    /// Prompt (and JSON schema) paths resolved as `ConfigurationLoader` resolves them: relative to the file's folder.
    static func promptPaths(of configuration: PoolConfiguration, configPath: String) -> [String] {
        let base = URL(fileURLWithPath: configPath).deletingLastPathComponent()
        let files = configuration.tasks.values.flatMap { [$0.promptPath, $0.jsonSchemaPath ?? ""] }
        return Set(files).filter { !$0.isEmpty }.sorted().map { relative in
            relative.hasPrefix("/") ? relative : base.appendingPathComponent(relative).path
        }
    }
}
