import Foundation
import LLMPoolCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real `redis-server` on a free loopback port, for tests: no persistence, its files in a
/// temporary folder, stopped and restarted on the same port on demand.
///
/// ```swift
/// try await RedisServerProcess.withRunning { server in
///     let client = try RedisClient(url: server.url)
///     try await client.ping()
///     await client.shutdown()
/// }
/// ```
public actor RedisServerProcess {
    /// Why the server could not start.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong, with the end of the server's log when there is one.
        public var message: String
        public var description: String { message }
    }

    /// The loopback port the server listens on, kept across ``restart()``.
    public nonisolated let port: Int
    /// The password the server requires (`--requirepass`), if any.
    public nonisolated let password: String?
    /// A URL for ``RedisClient``, with the password when there is one.
    public nonisolated var url: String {
        password.map { "redis://:\($0)@127.0.0.1:\(port)/0" } ?? "redis://127.0.0.1:\(port)/0"
    }

    private let executable: String
    private let directory: URL
    private var process: Process?
    private var isPaused = false

    private init(executable: String, port: Int, password: String?, directory: URL) {
        self.executable = executable
        self.port = port
        self.password = password
        self.directory = directory
    }

    /// Starts a server, runs `body`, then stops the server and deletes its files, also when
    /// `body` throws.
    /// - Parameter password: Makes the server require this password.
    /// - Throws: ``StartError`` when `redis-server` is missing or does not answer `PING` within 5 s,
    ///   and whatever `body` throws.
    public static func withRunning<T: Sendable>(
        password: String? = nil,
        _ body: (RedisServerProcess) async throws -> T
    ) async throws -> T {
        let server = try await start(password: password)
        do {
            let result = try await body(server)
            await server.dispose()
            return result
        } catch {
            await server.dispose()
            throw error
        }
    }

    /// Starts a server on a free loopback port and waits until it answers `PING`. Call
    /// ``dispose()`` when done, or prefer ``withRunning(password:_:)``.
    /// - Throws: ``StartError``.
    public static func start(password: String? = nil) async throws -> RedisServerProcess {
        let executable = try findExecutable()
        var lastError: (any Error)?
        for _ in 0..<3 {  // another process may take the port between probing and binding it
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let server = RedisServerProcess(
                executable: executable,
                port: try freePort(),
                password: password,
                directory: directory
            )
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                await server.dispose()
            }
        }
        throw lastError ?? StartError(message: "redis-server did not start")
    }

    /// Stops the server at once (SIGKILL) and waits up to 2 s for it to exit. Clients see
    /// connection failures until ``restart()``.
    public func stop() async {
        guard let process else { return }
        self.process = nil
        isPaused = false
        guard process.isRunning else { return }
        // Not SIGTERM: a child inherits the signal mask of the thread that spawned it, and test
        // runners' threads block SIGTERM, so Redis would never see it. Nothing is persisted, so
        // nothing is lost; SIGKILL also ends a paused (SIGSTOPped) server.
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// Stops the server if it runs, then starts it again on the same port, empty.
    /// - Throws: ``StartError`` when it does not answer `PING` within 5 s.
    public func restart() async throws {
        await stop()
        try await launch()
    }

    /// Freezes the server (SIGSTOP): connections still open, but nothing is answered, as with a
    /// hung Redis. ``resume()`` or ``stop()`` undoes it.
    public func pause() {
        guard let process, !isPaused else { return }
        kill(process.processIdentifier, SIGSTOP)
        isPaused = true
    }

    /// Lets a paused server run again (SIGCONT).
    public func resume() {
        guard let process, isPaused else { return }
        kill(process.processIdentifier, SIGCONT)
        isPaused = false
    }

    /// Stops the server and deletes its temporary folder.
    public func dispose() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private var logFile: URL { directory.appendingPathComponent("redis.log") }

    private func launch() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", logFile.path, "--daemonize", "no",
        ]
        if let password { arguments += ["--requirepass", password] }
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StartError(message: "cannot run \(executable): \(error)")
        }
        self.process = process
        try await waitUntilReady(process)
    }

    private func waitUntilReady(_ process: Process) async throws {
        var configuration = try RedisConfiguration(url: url)
        configuration.poolSize = 1
        configuration.connectTimeout = .milliseconds(200)
        configuration.commandTimeout = .milliseconds(500)
        let client = RedisClient(configuration: configuration)
        var ready = false
        for _ in 0..<100 where !ready && process.isRunning {
            ready = (try? await client.ping()) != nil
            if !ready { try? await Task.sleep(for: .milliseconds(50)) }
        }
        await client.shutdown()
        if ready { return }
        await stop()
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        let tail = log.split(separator: "\n").suffix(5).joined(separator: "\n")
        throw StartError(message: "redis-server on port \(port) did not answer PING within 5 s; its log ends:\n\(tail)")
    }

    private static func findExecutable() throws -> String {
        var candidates = ["/usr/bin/redis-server"]
        if let override = ProcessInfo.processInfo.environment["REDIS_SERVER"] { candidates.insert(override, at: 0) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        candidates += path.split(separator: ":").map { "\($0)/redis-server" }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw StartError(
            message: "redis-server not found at /usr/bin/redis-server, $REDIS_SERVER or on $PATH; "
                + "run scripts/test.sh, which installs it (or: apt-get install redis-server)"
        )
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
    private static func freePort() throws -> Int {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw StartError(message: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw StartError(message: "cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
