import LLMPoolCore
import LLMPoolTesting
import Testing

@Suite("Redis nonce store", .timeLimit(.minutes(1)))
struct RedisNonceStoreTests {
    typealias Support = RedisTestSupport

    @Test("A nonce seen by one replica is rejected by another")
    func replayAcrossReplicas() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { clientA in
                try await Support.withClient(server) { clientB in
                    let replicaA = RedisNonceStore(client: clientA)
                    let replicaB = RedisNonceStore(client: clientB)
                    #expect(try await replicaA.insertIfAbsent("n-1", ttl: .seconds(300)))
                    #expect(try await replicaB.insertIfAbsent("n-1", ttl: .seconds(300)) == false)
                    #expect(try await replicaA.insertIfAbsent("n-1", ttl: .seconds(300)) == false)
                    #expect(try await replicaB.insertIfAbsent("n-2", ttl: .seconds(300)))
                    let pttl = try await clientA.send(["PTTL", "llm-pool:nonce:n-1"]).int ?? -1
                    #expect(
                        (290_000...300_000).contains(pttl),
                        "a loaded machine may take a while between SET and PTTL"
                    )
                }
            }
        }
    }

    @Test("Concurrent inserts of one nonce admit exactly one")
    func concurrentInserts() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let store = RedisNonceStore(client: client)
                let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<50 { group.addTask { try await store.insertIfAbsent("same", ttl: .seconds(60)) } }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(admitted == 1)
            }
        }
    }

    @Test("A nonce is forgotten after its TTL; long nonces are stored by digest")
    func ttlAndLongNonces() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let store = RedisNonceStore(client: client)
                #expect(try await store.insertIfAbsent("short-lived", ttl: .milliseconds(100)))
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await store.insertIfAbsent("short-lived", ttl: .milliseconds(100)))

                let long = String(repeating: "x", count: 10_000)
                #expect(store.redisKey(for: long).count < 100)
                #expect(try await store.insertIfAbsent(long, ttl: .seconds(5)))
                #expect(try await store.insertIfAbsent(long, ttl: .seconds(5)) == false)
            }
        }
    }

    @Test("With Redis down the store throws, so callers can fail closed")
    func down() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let store = RedisNonceStore(client: client)
                await server.stop()
                await #expect(throws: RedisError.self) { try await store.insertIfAbsent("n", ttl: .seconds(1)) }
            }
        }
    }
}
