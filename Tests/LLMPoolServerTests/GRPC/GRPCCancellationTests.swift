import GRPCCore
import LLMPoolCore
import Synchronization
import Testing

@testable import LLMPoolServer

@Suite("gRPC cancellation of the work serving an RPC")
struct GRPCCancellationTests {
    static func context(_ handle: ServerContext.RPCCancellationHandle) -> ServerContext {
        ServerContext(
            descriptor: MethodDescriptor(fullyQualifiedService: "vvtv.llmpool.v1.LlmPool", method: "Infer"),
            remotePeer: "ipv4:127.0.0.1:1",
            localPeer: "ipv4:127.0.0.1:2",
            cancellation: handle
        )
    }

    @Test("a cancelled RPC cancels its work: the client's deadline when it sent grpc-timeout")
    func cancelledRPC() async throws {
        let handle = ServerContext.RPCCancellationHandle()
        let started = Latch()
        let work = Task {
            try await GRPCCancellation.bind(
                Self.context(handle),
                metadata: ["grpc-timeout": "5S"],
                drain: DrainState()
            ) {
                started.fire()
                try await Task.sleep(for: .seconds(60))
                return "answer"
            }
        }
        await started.wait()
        handle.cancel()
        let error = await #expect(throws: PoolError.self) { try await work.value }
        #expect(error?.code == .deadlineExceeded)
    }

    @Test("while the server drains, grpc-swift's cancellation of every RPC leaves the work to the drain")
    func drainKeepsTheWork() async throws {
        let handle = ServerContext.RPCCancellationHandle()
        let drain = DrainState(timeout: .seconds(3))
        let started = Latch()
        let release = Latch()
        async let answer = GRPCCancellation.bind(Self.context(handle), metadata: [:], drain: drain) {
            started.fire()
            await release.wait()
            return "answer"
        }
        await started.wait()
        drain.begin()
        handle.cancel()  // as the transport does when it quiesces
        // Time for the cancellation to act: without the drain it would end the RPC here.
        try await Task.sleep(for: .milliseconds(50))
        release.fire()
        #expect(try await answer == "answer")
    }
}
