import Logging
import NIOCore
import Synchronization

/// A fixed number of connection slots, filled lazily and used round robin. Commands are
/// pipelined, so a connection is shared rather than checked out.
///
/// A slot whose connection failed or closed is reconnected by the next command that lands on it;
/// concurrent commands on a connecting slot wait for that one attempt. Nothing retries in the
/// background, so a dead server costs each command one refused (or timed-out) connect.
final class RedisConnectionPool: Sendable {
    private enum Slot {
        case empty
        case connecting(attempt: Int, EventLoopFuture<RedisConnection>)
        case ready(RedisConnection)
    }

    private struct State {
        var slots: [Slot]
        var nextSlot = 0
        var attempts = 0
        var isShutdown = false
    }

    private enum Lease {
        case ready(RedisConnection)
        case wait(EventLoopFuture<RedisConnection>)
        case connect(slot: Int, attempt: Int, EventLoopPromise<RedisConnection>)
        case shutdown
    }

    private let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<State>

    init(configuration: RedisConfiguration, group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.state = Mutex(State(slots: Array(repeating: .empty, count: max(1, configuration.poolSize))))
    }

    /// A live connection, opening one if the next slot has none.
    /// - Throws: ``RedisError`` when connecting fails or the pool was shut down.
    func connection() async throws -> RedisConnection {
        let group = self.group
        let lease = state.withLock { state -> Lease in
            guard !state.isShutdown else { return .shutdown }
            let index = state.nextSlot
            state.nextSlot = (index + 1) % state.slots.count
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive:
                return .ready(connection)
            case .connecting(_, let future):
                return .wait(future)
            case .ready, .empty:
                state.attempts += 1
                let promise = group.next().makePromise(of: RedisConnection.self)
                state.slots[index] = .connecting(attempt: state.attempts, promise.futureResult)
                return .connect(slot: index, attempt: state.attempts, promise)
            }
        }
        switch lease {
        case .ready(let connection):
            return connection
        case .wait(let future):
            return try await future.get()
        case .shutdown:
            throw RedisError(code: .shutdown, message: "the redis client was shut down")
        case .connect(let slot, let attempt, let promise):
            let future = RedisConnection.connect(configuration: configuration, group: group)
            future.whenComplete { result in self.finishConnecting(slot: slot, attempt: attempt, result: result) }
            promise.completeWith(future)
            return try await promise.futureResult.get()
        }
    }

    /// Closes every connection; later calls to ``connection()`` throw ``RedisError/Code/shutdown``.
    func shutdown() async {
        let slots = state.withLock { state in
            state.isShutdown = true
            defer { state.slots = state.slots.map { _ in .empty } }
            return state.slots
        }
        for slot in slots {
            switch slot {
            case .empty:
                break
            case .ready(let connection):
                try? await connection.close().get()
            case .connecting(_, let future):
                if let connection = try? await future.get() { try? await connection.close().get() }
            }
        }
    }

    private func finishConnecting(slot: Int, attempt: Int, result: Result<RedisConnection, any Error>) {
        let closeNow = state.withLock { state -> RedisConnection? in
            guard case .connecting(let current, _) = state.slots[slot], current == attempt else {
                // Shut down meanwhile: shutdown() closes what it awaited; close anyway to be sure.
                return try? result.get()
            }
            switch result {
            case .success(let connection):
                state.slots[slot] = .ready(connection)
                return nil
            case .failure:
                state.slots[slot] = .empty
                return nil
            }
        }
        if case .failure(let error) = result {
            logger.debug("redis connect failed", metadata: ["redis.endpoint": "\(configuration)", "error": "\(error)"])
        }
        if let closeNow { closeNow.close().whenComplete { _ in } }
    }
}
