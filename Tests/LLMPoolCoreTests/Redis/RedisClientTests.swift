import LLMPoolCore
import LLMPoolTesting
import Testing

@Suite("Redis client against redis-server", .timeLimit(.minutes(1)))
struct RedisClientTests {
    typealias Support = RedisTestSupport

    @Test("GET, SET with a TTL, SET NX and PING")
    func basics() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                try await client.ping()
                #expect(try await client.get("missing") == nil)
                try await client.set("greeting", "héllo\r\nthere")
                #expect(try await client.get("greeting") == "héllo\r\nthere")

                try await client.set("short", "lived", ttl: .milliseconds(150))
                let pttl = try await client.send(["PTTL", "short"]).int ?? -1
                #expect((1...150).contains(pttl))
                try await Task.sleep(for: .milliseconds(250))
                #expect(try await client.get("short") == nil)

                #expect(try await client.setNX("once", "first", ttl: .seconds(10)))
                #expect(try await client.setNX("once", "second", ttl: .seconds(10)) == false)
                #expect(try await client.get("once") == "first")
            }
        }
    }

    @Test("A megabyte value arrives across many reads intact")
    func largeValue() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let value = String(repeating: "0123456789abcdef", count: 65_536)
                try await client.set("big", value)
                #expect(try await client.get("big") == value)
                let reply = try await client.send(["MGET", "big", "nothing", "big"])
                #expect(reply.array?.map(\.string) == [value, nil, value])
            }
        }
    }

    @Test("Many concurrent commands pipeline on a small pool and each gets its own reply")
    func pipelining() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server, poolSize: 2) { client in
                let replies = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<500 {
                        group.addTask { try await client.send(["INCR", "counter"]).int ?? -1 }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(replies.sorted() == Array(1...500))
                let echoes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            try await client.send(["ECHO", "message-\(index)"]).string == "message-\(index)"
                        }
                    }
                    return try await group.reduce(true) { $0 && $1 }
                }
                #expect(echoes)
                let clients = try await client.send(["CLIENT", "LIST"]).string ?? ""
                #expect(clients.split(separator: "\n").count <= 2)
            }
        }
    }

    @Test("An error reply throws with Redis's message; SELECT keeps databases apart")
    func serverErrorsAndDatabases() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                try await client.set("text", "abc")
                let error = await #expect(throws: RedisError.self) { try await client.send(["INCR", "text"]) }
                #expect(error?.code == .serverError)
                #expect(error?.message.hasPrefix("ERR") == true)
                try await client.ping()  // the connection is still usable
            }
            try await Support.withClient(server, url: "redis://127.0.0.1:\(server.port)/1") { client in
                let value = try await client.get("text")
                #expect(value == nil)
            }
        }
    }

    @Test("A missing or wrong password is a clear authentication error; the right one works")
    func authentication() async throws {
        try await RedisServerProcess.withRunning(password: "s3cret") { server in
            try await Support.withClient(server, url: "redis://127.0.0.1:\(server.port)/0") { client in
                let error = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(error?.code == .authenticationFailed)
                #expect(error?.message.contains("requires a password") == true)
            }
            try await Support.withClient(server, url: "redis://:hunter2@127.0.0.1:\(server.port)/0") { client in
                let error = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(error?.code == .authenticationFailed)
                #expect(error?.message.contains("WRONGPASS") == true)
                #expect(error?.description.contains("hunter2") == false)
            }
            try await Support.withClient(server) { client in
                try await client.ping()
            }
        }
    }

    @Test("A command that outlives the timeout fails, closes its connection, and the next one reconnects")
    func commandTimeout() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server, poolSize: 1, commandTimeout: .milliseconds(150)) { client in
                try await client.ping()
                var error: RedisError?
                let took = await Support.elapsed {
                    error = await #expect(throws: RedisError.self) { try await client.send(["BLPOP", "never", "2"]) }
                }
                #expect(error?.code == .timeout)
                #expect(took < .milliseconds(1_000))
                try await client.ping()
            }
        }
    }

    @Test("With Redis down commands fail fast; after a restart the same client recovers")
    func downThenUp() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                try await client.set("key", "before")
                await server.stop()
                for _ in 0..<3 {
                    var error: RedisError?
                    let took = await Support.elapsed {
                        error = await #expect(throws: RedisError.self) { try await client.get("key") }
                    }
                    #expect(error?.code == .connectionFailed || error?.code == .connectionClosed)
                    #expect(took < .milliseconds(1_500))
                }
                try await server.restart()
                try await Support.eventually { try await client.ping() }
                #expect(try await client.get("key") == nil)  // the server restarted empty
                try await client.set("key", "after")
                #expect(try await client.get("key") == "after")
            }
        }
    }

    @Test("A hung Redis costs one command timeout, not a hang")
    func hungServer() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server, commandTimeout: .milliseconds(150)) { client in
                try await client.ping()
                await server.pause()
                var error: RedisError?
                let took = await Support.elapsed {
                    error = await #expect(throws: RedisError.self) { try await client.ping() }
                }
                #expect(error?.code == .timeout)
                #expect(took < .milliseconds(1_000))
                await server.resume()
                try await Support.eventually { try await client.ping() }
            }
        }
    }

    @Test("Scripts run by EVALSHA, falling back to EVAL after SCRIPT FLUSH")
    func scripts() async throws {
        try await RedisServerProcess.withRunning { server in
            try await Support.withClient(server) { client in
                let script = RedisScript("return {KEYS[1], ARGV[1], 7}")
                #expect(script.sha1.count == 40)
                let expected = RedisValue.array([.bulkString("k"), .bulkString("a"), .integer(7)])
                #expect(try await client.eval(script, keys: ["k"], arguments: ["a"]) == expected)
                #expect(try await client.evalSHA(script.sha1, keys: ["k"], arguments: ["a"]) == expected)
                _ = try await client.send(["SCRIPT", "FLUSH"])
                #expect(try await client.eval(script, keys: ["k"], arguments: ["a"]) == expected)
                let error = await #expect(throws: RedisError.self) {
                    try await client.eval(RedisScript("return redis.call('NOPE')"))
                }
                #expect(error?.code == .serverError)
            }
        }
    }

    @Test("Nothing listening fails fast; a shut-down client refuses commands")
    func refusedAndShutdown() async throws {
        let port = try await RedisServerProcess.withRunning { server in server.port }  // now stopped: nothing listens
        let client = try RedisClient(url: "redis://127.0.0.1:\(port)")
        var error: RedisError?
        let took = await Support.elapsed {
            error = await #expect(throws: RedisError.self) { try await client.ping() }
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
        #expect(took < .milliseconds(500))
        await client.shutdown()
        let afterShutdown = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(afterShutdown?.code == .shutdown)
    }
}
