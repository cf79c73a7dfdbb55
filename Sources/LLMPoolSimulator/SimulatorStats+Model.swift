import LLMPoolObservability

extension SimulatorStats {
    /// Counters of one model, and the gauges of its generations.
    ///
    /// Every counter is in the JSON of `GET /_simulator/stats` under its snake_case name
    /// (`max_concurrent_generations`, `abandoned_generations`, `busy_ms`, …); missing keys decode as 0.
    public struct Model: Sendable, Hashable, Codable {
        /// Requests received for the model (health endpoints excluded).
        public var total: Int
        /// Requests by endpoint path (`/api/chat`, `/api/generate`, `/v1/chat/completions`).
        public var endpoints: [String: Int]
        /// Requests whose answer was sent in full.
        public var completed: Int
        /// Requests failed on purpose by a fault (error status, reset, malformed body).
        public var faulted: Int
        /// Requests whose client went away before the answer was complete: hanging, queued,
        /// waiting out their latency or streaming.
        public var cancelled: Int
        /// Generations running now (answers being delayed or streamed).
        public var generating: Int
        /// Generations waiting now for the slot (``SimulatorBehavior/singleSlot``).
        public var waiting: Int
        /// The most generations that ran at once.
        public var maxConcurrentGenerations: Int
        /// Generations that had to wait for the slot before they ran.
        public var queued: Int
        /// Listings that had to wait for a generation to end (``SimulatorBehavior/blocksListings``).
        public var blockedListings: Int
        /// Streams ended early by a later request (``SimulatorBehavior/interruptsStreams``).
        public var interrupted: Int
        /// Non-streamed generations whose client left and that ran on to their end
        /// (``SimulatorBehavior/keepsGeneratingAfterDisconnect``); each is counted as cancelled too,
        /// when its client leaves.
        public var abandoned: Int
        /// The time spent generating, summed over finished generations (abandoned ones included),
        /// from taking the slot to giving it back.
        public var busyTime: Duration
        /// Requests answered 400 because they exceed ``SimulatorBehavior/contextTokens``.
        public var contextLengthExceeded: Int
        /// Answers that were tool calls (``SimulatorBehavior/callsTools``).
        public var toolCalls: Int

        /// Creates counters, all zero by default.
        public init(
            total: Int = 0,
            endpoints: [String: Int] = [:],
            completed: Int = 0,
            faulted: Int = 0,
            cancelled: Int = 0,
            generating: Int = 0,
            waiting: Int = 0,
            maxConcurrentGenerations: Int = 0,
            queued: Int = 0,
            blockedListings: Int = 0,
            interrupted: Int = 0,
            abandoned: Int = 0,
            busyTime: Duration = .zero,
            contextLengthExceeded: Int = 0,
            toolCalls: Int = 0
        ) {
            self.total = total
            self.endpoints = endpoints
            self.completed = completed
            self.faulted = faulted
            self.cancelled = cancelled
            self.generating = generating
            self.waiting = waiting
            self.maxConcurrentGenerations = maxConcurrentGenerations
            self.queued = queued
            self.blockedListings = blockedListings
            self.interrupted = interrupted
            self.abandoned = abandoned
            self.busyTime = busyTime
            self.contextLengthExceeded = contextLengthExceeded
            self.toolCalls = toolCalls
        }

        private enum CodingKeys: String, CodingKey {
            case total, endpoints, completed, faulted, cancelled, generating, waiting, queued, interrupted
            case maxConcurrentGenerations = "max_concurrent_generations"
            case blockedListings = "blocked_listings"
            case abandoned = "abandoned_generations"
            case busyMilliseconds = "busy_ms"
            case contextLengthExceeded = "context_length_exceeded"
            case toolCalls = "tool_calls"
        }

        /// Decodes one model's counters from the `GET /_simulator/stats` JSON.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func count(_ key: CodingKeys) throws -> Int { try container.decodeIfPresent(Int.self, forKey: key) ?? 0 }
            self.init(
                total: try count(.total),
                endpoints: try container.decodeIfPresent([String: Int].self, forKey: .endpoints) ?? [:],
                completed: try count(.completed),
                faulted: try count(.faulted),
                cancelled: try count(.cancelled),
                generating: try count(.generating),
                waiting: try count(.waiting),
                maxConcurrentGenerations: try count(.maxConcurrentGenerations),
                queued: try count(.queued),
                blockedListings: try count(.blockedListings),
                interrupted: try count(.interrupted),
                abandoned: try count(.abandoned),
                busyTime: .nanoseconds(
                    Int64(
                        ((try container.decodeIfPresent(Double.self, forKey: .busyMilliseconds) ?? 0) * 1e6).rounded()
                    )
                ),
                contextLengthExceeded: try count(.contextLengthExceeded),
                toolCalls: try count(.toolCalls)
            )
        }

        /// Encodes one model's counters; ``busyTime`` as fractional milliseconds (`busy_ms`).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(total, forKey: .total)
            try container.encode(endpoints, forKey: .endpoints)
            try container.encode(completed, forKey: .completed)
            try container.encode(faulted, forKey: .faulted)
            try container.encode(cancelled, forKey: .cancelled)
            try container.encode(generating, forKey: .generating)
            try container.encode(waiting, forKey: .waiting)
            try container.encode(maxConcurrentGenerations, forKey: .maxConcurrentGenerations)
            try container.encode(queued, forKey: .queued)
            try container.encode(blockedListings, forKey: .blockedListings)
            try container.encode(interrupted, forKey: .interrupted)
            try container.encode(abandoned, forKey: .abandoned)
            try container.encode(busyTime.fractionalMilliseconds, forKey: .busyMilliseconds)
            try container.encode(contextLengthExceeded, forKey: .contextLengthExceeded)
            try container.encode(toolCalls, forKey: .toolCalls)
        }
    }
}
