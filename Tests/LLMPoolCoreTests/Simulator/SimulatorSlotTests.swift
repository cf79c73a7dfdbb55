import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

@testable import LLMPoolSimulator

/// The behaviors around a model's generation slot: one generation at a time, listings behind it,
/// streams interrupted by later requests, generations that outlive their client.
@Suite("ProviderSimulator slot behaviors", .timeLimit(.minutes(1)))
struct SimulatorSlotTests {
    typealias Client = SimulatorTestClient

    /// Non-streamed answers take 500 ms; streams send 40 tokens 25 ms apart (about 1 s).
    static let slow = SimulatedModel(
        name: "slow",
        p50: .milliseconds(500),
        p99: .milliseconds(500),
        timeToFirstToken: .milliseconds(2),
        perTokenDelay: .milliseconds(25),
        seed: 1,
        answerTokens: 40
    )

    /// A generation long enough that a queued request's client gives up while it runs, with
    /// room for a loaded machine to deliver that request first.
    static let slower = SimulatedModel(
        name: "slow",
        p50: .seconds(3),
        p99: .seconds(3),
        timeToFirstToken: .milliseconds(2),
        perTokenDelay: .milliseconds(25),
        seed: 1,
        answerTokens: 40
    )

    @Test("A single slot runs one generation at a time; the others queue", arguments: [true, false])
    func singleSlot(enabled: Bool) async throws {
        try await ProviderSimulator.withRunning(models: [Self.slow]) { simulator in
            try simulator.setBehavior(.init(singleSlot: enabled), for: "slow")
            try await Client.withClient { client in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<3 {
                        group.addTask {
                            try await Client.send(
                                client,
                                .POST,
                                simulator.baseURL + "/v1/chat/completions",
                                json: Client.chat(model: "slow", "question \(index)")
                            ).status
                        }
                        if index == 0 { try await Client.waitFor(simulator, "slow") { $0.generating == 1 } }
                    }
                    if enabled {
                        let stats = try await Client.waitFor(simulator, "slow") { $0.waiting == 2 }
                        #expect(stats.generating == 1)
                    } else {
                        try await Client.waitFor(simulator, "slow") { $0.generating == 3 }
                    }
                    for try await status in group { #expect(status == 200) }
                }
            }
            let stats = try #require(simulator.stats().models["slow"])
            #expect(stats.completed == 3)
            #expect(stats.maxConcurrentGenerations == (enabled ? 1 : 3))
            #expect(stats.queued == (enabled ? 2 : 0))
            #expect(stats.generating == 0 && stats.waiting == 0)
            #expect(stats.busyTime >= .milliseconds(1500))
        }
    }

    @Test("A client that leaves the queue is counted as cancelled and never generates")
    func leavingTheQueue() async throws {
        try await ProviderSimulator.withRunning(models: [Self.slower]) { simulator in
            try simulator.setBehavior(.init(singleSlot: true), for: "slow")
            try await Client.withClient { client in
                let url = simulator.baseURL + "/v1/chat/completions"
                async let first = Client.send(client, .POST, url, json: Client.chat(model: "slow", "first"))
                try await Client.waitFor(simulator, "slow") { $0.generating == 1 }
                await #expect(throws: (any Error).self) {
                    try await Client.send(
                        client,
                        .POST,
                        url,
                        json: Client.chat(model: "slow", "second"),
                        timeout: .seconds(1)
                    )
                }
                let stats = try await Client.waitFor(simulator, "slow") { $0.cancelled == 1 }
                #expect(stats.waiting == 0)
                #expect(try await first.status == 200)
            }
            #expect(simulator.stats().models["slow"]?.maxConcurrentGenerations == 1)
            #expect(simulator.stats().models["slow"]?.completed == 1)
        }
    }

    @Test(
        "Listings wait behind a running generation when the model blocks them",
        arguments: ["/v1/models", "/api/tags"]
    )
    func listingsBlocked(path: String) async throws {
        try await ProviderSimulator.withRunning(models: [Self.slow, .instant(name: "free")]) { simulator in
            // A stream that stalls after one token holds the slot until its client leaves.
            try simulator.setFaults(.init(stallAfterTokens: 1), for: "slow")
            try await Client.withClient { client in
                try await withThrowingTaskGroup(of: Void.self) { streams in
                    streams.addTask {
                        _ = try? await Client.send(
                            client,
                            .POST,
                            simulator.baseURL + "/v1/chat/completions",
                            json: Client.chat(model: "slow", "hold the slot", stream: true)
                        )
                    }
                    try await Client.waitFor(simulator, "slow") { $0.generating == 1 }
                    // Polite by default: the listing answers while the model generates.
                    #expect(try await Client.send(client, .GET, simulator.baseURL + path).status == 200)

                    try simulator.setBehavior(.init(singleSlot: true, blocksListings: true), for: "slow")
                    async let listing = Client.send(client, .GET, simulator.baseURL + path)
                    try await Client.waitFor(simulator, "slow") { $0.blockedListings == 1 }
                    #expect(simulator.stats().models["slow"]?.generating == 1)
                    streams.cancelAll()  // the stream's client leaves, freeing the slot
                    #expect(try await listing.status == 200)
                }
            }
            let stats = try #require(simulator.stats().models["slow"])
            #expect(stats.blockedListings == 1)
            #expect(stats.cancelled == 1)
        }
    }

    enum Dialect: String, CaseIterable, Sendable {
        case openAI = "/v1/chat/completions"
        case ollama = "/api/chat"
    }

    @Test("A later request interrupts a running stream, which ends without finishing", arguments: Dialect.allCases)
    func interruptedStream(dialect: Dialect) async throws {
        try await ProviderSimulator.withRunning(models: [Self.slow]) { simulator in
            try simulator.setBehavior(.init(singleSlot: true, interruptsStreams: true), for: "slow")
            try await Client.withClient { client in
                let url = simulator.baseURL + dialect.rawValue
                async let stream = Client.send(
                    client,
                    .POST,
                    url,
                    json: Client.chat(model: "slow", "long", stream: true)
                )
                try await Client.waitFor(simulator, "slow") { $0.generating == 1 }
                let second = try await Client.send(client, .POST, url, json: Client.chat(model: "slow", "next"))
                #expect(second.status == 200)

                let interrupted = try await stream
                #expect(interrupted.status == 200)
                switch dialect {
                case .openAI:
                    #expect(interrupted.eventLines.last == "[DONE]")
                    let events = try interrupted.events()
                    let choices = events.compactMap { ($0["choices"] as? [[String: Any]])?.first }
                    #expect(choices.allSatisfy { $0["finish_reason"] is NSNull })
                    #expect(choices.count < Self.slow.answerTokens)
                case .ollama:
                    let lines = try interrupted.lines()
                    #expect(lines.allSatisfy { $0["done"] as? Bool == false })
                    #expect(lines.count < Self.slow.answerTokens)
                }
            }
            let stats = try #require(simulator.stats().models["slow"])
            #expect(stats.interrupted == 1)
            #expect(stats.completed == 1)
            #expect(stats.maxConcurrentGenerations == 1)
        }
    }

    @Test("A non-streamed generation runs on after its client leaves, holding the slot")
    func abandonedGeneration() async throws {
        try await ProviderSimulator.withRunning(models: [Self.slow]) { simulator in
            try simulator.setBehavior(.init(singleSlot: true, keepsGeneratingAfterDisconnect: true), for: "slow")
            try await Client.withClient { client in
                let url = simulator.baseURL + "/v1/chat/completions"
                await #expect(throws: (any Error).self) {
                    try await Client.send(
                        client,
                        .POST,
                        url,
                        json: Client.chat(model: "slow", "gone"),
                        timeout: .milliseconds(100)
                    )
                }
                let left = try await Client.waitFor(simulator, "slow") { $0.abandoned == 1 }
                #expect(left.generating == 1)
                #expect(left.cancelled == 1)

                // The next request waits for the abandoned generation, then generates itself.
                let started = ContinuousClock.now
                let next = try await Client.send(client, .POST, url, json: Client.chat(model: "slow", "next"))
                #expect(next.status == 200)
                #expect(started.duration(to: .now) >= .milliseconds(800))
            }
            let stats = try await Client.waitFor(simulator, "slow") { $0.generating == 0 }
            #expect(stats.queued == 1)
            #expect(stats.busyTime >= .milliseconds(950))
        }
    }

    @Test("A streamed generation stops at once when its client leaves, even when non-streamed ones run on")
    func leavingStreamStops() async throws {
        try await ProviderSimulator.withRunning(models: [Self.slow]) { simulator in
            try simulator.setBehavior(.init(singleSlot: true, keepsGeneratingAfterDisconnect: true), for: "slow")
            try await Client.withClient { client in
                try await withThrowingTaskGroup(of: Void.self) { streams in
                    streams.addTask {
                        _ = try? await Client.send(
                            client,
                            .POST,
                            simulator.baseURL + "/v1/chat/completions",
                            json: Client.chat(model: "slow", "stream", stream: true)
                        )
                    }
                    try await Client.waitFor(simulator, "slow") { $0.generating == 1 }
                    streams.cancelAll()
                }
            }
            let stats = try await Client.waitFor(simulator, "slow") { $0.generating == 0 }
            #expect(stats.cancelled == 1)
            #expect(stats.abandoned == 0)
            // The whole stream takes about 1 s; it stopped long before.
            #expect(stats.busyTime < .milliseconds(700))
        }
    }
}
