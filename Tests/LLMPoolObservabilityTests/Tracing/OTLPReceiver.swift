import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A tiny OTLP/HTTP collector on a free loopback port: records each POST to `/v1/traces` and answers
/// with the scripted statuses in turn (200 once the script runs out).
final class OTLPReceiver: Sendable {
    struct Received: Sendable {
        var headers: HTTPFields
        var body: [UInt8]
    }

    private struct State {
        var script: [(status: HTTPResponse.Status, headers: HTTPFields)]
        var received: [Received] = []
    }

    private let state: Mutex<State>

    init(script: [(status: HTTPResponse.Status, headers: HTTPFields)]) {
        state = Mutex(State(script: script))
    }

    var received: [Received] { state.withLock { $0.received } }

    /// Runs the receiver around `body`, passing its base URL (`http://127.0.0.1:<port>`).
    func withRunning(_ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 16 << 20)
            let (status, headers) = self.state.withLock { state in
                state.received.append(Received(headers: request.headers, body: Array(buffer: bytes)))
                return state.script.isEmpty ? (.ok, [:]) : state.script.removeFirst()
            }
            return Response(status: status, headers: headers)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "otlp-receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                try await body("http://127.0.0.1:\(port)")
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
