import LLMPoolCore
import Testing

@Suite("Redis configuration")
struct RedisConfigurationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var url: String
        var host: String
        var port: Int
        var database: Int
        var username: String?
        var password: String?
        var testDescription: String { url }
    }

    @Test(
        "URLs parse",
        arguments: [
            Case(url: "redis://127.0.0.1:6379/0", host: "127.0.0.1", port: 6379, database: 0),
            Case(url: "redis://cache.internal", host: "cache.internal", port: 6379, database: 0),
            Case(url: "redis://localhost:7000/3", host: "localhost", port: 7000, database: 3),
            Case(url: "redis://:pw@host:6380/1", host: "host", port: 6380, database: 1, password: "pw"),
            Case(
                url: "redis://app:p%40ss@host/2",
                host: "host",
                port: 6379,
                database: 2,
                username: "app",
                password: "p@ss"
            ),
            Case(url: "REDIS://[::1]:6379", host: "::1", port: 6379, database: 0),
        ]
    )
    func parses(_ expected: Case) throws {
        let configuration = try RedisConfiguration(url: expected.url)
        #expect(configuration.host == expected.host)
        #expect(configuration.port == expected.port)
        #expect(configuration.database == expected.database)
        #expect(configuration.username == expected.username)
        #expect(configuration.password == expected.password)
        #expect(configuration.poolSize == 4)
        #expect(configuration.connectTimeout == .seconds(1))
        #expect(configuration.commandTimeout == .milliseconds(500))
        #expect(configuration.keyPrefix == "llm-pool:")
    }

    @Test(
        "Bad URLs are rejected with a reason and without the password",
        arguments: [
            ("http://host:6379", "scheme"),
            ("rediss://:secret@host", "TLS"),
            ("redis://", "host"),
            ("redis://host:0", "port"),
            ("redis://host/abc", "database"),
            ("redis://host/-1", "database"),
            ("redis://host/0?timeout=1", "query"),
            ("redis://user@host", "password"),
            ("not a url", "expected"),
        ]
    )
    func rejects(url: String, reason: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("secret") == false)
    }

    @Test("The description hides the password")
    func description() throws {
        let configuration = try RedisConfiguration(url: "redis://:hunter2@db:6380/4")
        #expect(configuration.description == "redis://:***@db:6380/4")
    }
}
