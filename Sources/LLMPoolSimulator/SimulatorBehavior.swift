/// How one model of the ``ProviderSimulator`` behaves where real servers are less polite than the
/// simulator's defaults, changeable while it runs with ``ProviderSimulator/setBehavior(_:for:)`` or
/// `PUT /_simulator/models/{name}/behavior`. Every option is off by default.
///
/// Unlike ``SimulatorFaults``, which break answers on purpose, these are the habits of working
/// servers (llama.cpp's server, llama-cpp-python, Ollama, vLLM) that a pool in front of them must
/// survive:
///
/// - ``singleSlot``: one generation at a time, the others wait in arrival order (llama.cpp with one
///   slot, llama-cpp-python's lock). A non-streamed request waits before any response is sent; a
///   streamed one is answered `200` with its headers at once and waits for the slot before its
///   first token. A client that leaves while waiting leaves the queue (counted as cancelled).
///   Hanging requests (``SimulatorFaults/hang``) never take the slot; stalled streams hold it.
/// - ``blocksListings``: `GET /v1/models` and `GET /api/tags` answer only once the model has no
///   generation running; with ``singleSlot`` the listing takes its turn in the queue, as
///   llama-cpp-python's `/v1/models` takes the same lock as a completion.
/// - ``interruptsStreams``: a running stream ends early when a later request for the model has
///   arrived (any inference request, or a listing held back by ``blocksListings``), as
///   llama-cpp-python's `interrupt_requests` does. The check runs after each streamed chunk; the OpenAI dialect then
///   sends `data: [DONE]` with no `finish_reason` chunk, the Ollama dialect ends the NDJSON without
///   a `"done": true` line. Counted as ``SimulatorStats/Model/interrupted``.
/// - ``omitsStreamUsage``: streams carry no token counts: the OpenAI dialect ignores
///   `stream_options.include_usage` (no usage chunk), the Ollama dialect leaves `prompt_eval_count`
///   and `eval_count` out of the final chunk. Non-streamed answers keep their counts.
/// - ``contextTokens``: the model's context size. A request whose prompt tokens plus its token cap
///   (`max_tokens`, `max_completion_tokens`, `options.num_predict`; 0 when absent) exceed it is
///   answered 400 before any fault applies: in the OpenAI dialect with
///   `{"error":{"message":…,"type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
///   in the Ollama dialect with `{"error":"…exceeds the context length…"}`. Prompt tokens are
///   counted as everywhere in the simulator: whitespace-separated words over every message.
/// - ``keepsGeneratingAfterDisconnect``: when the client of a non-streamed request goes away, the
///   model goes on "generating" for the rest of the answer's latency (holding the slot under
///   ``singleSlot``), counted as ``SimulatorStats/Model/abandoned`` and in
///   ``SimulatorStats/Model/busyTime``, as llama.cpp and vLLM finish work nobody waits for. A
///   streamed request whose client leaves stops at once either way, as llama.cpp's does.
/// - ``rejectsStreamsSilently``: a *streamed* request that exceeds ``contextTokens`` is answered
///   `200` with an event-stream that ends at once, without a single event, as llama-cpp-python's
///   server does (it validates inside the stream's generator, after the headers went out); plain
///   requests still get the 400. Counted as ``SimulatorStats/Model/contextLengthExceeded`` too.
/// - ``callsTools``: a request carrying `tools` is answered with a call of the first tool (or the
///   one `tool_choice` names; `"tool_choice": "none"` and a conversation whose last message has
///   the role `tool` get text). The arguments are one string property, named after the first
///   entry of the tool's `parameters.required` (else its first property in sorted order, else
///   `query`), whose value is the first four words of the last user message. OpenAI answers
///   `message.tool_calls` with `finish_reason` `tool_calls`, streamed as `delta.tool_calls` whose
///   `arguments` are split over three chunks; Ollama's `/api/chat` answers
///   `message.tool_calls: [{"function": {"name": …, "arguments": {…}}}]` (in one chunk when
///   streaming) with `done_reason` `stop`. Without this option `tools` are ignored.
///
/// The JSON form used by the admin API has snake_case keys, all optional:
/// ```json
/// {"single_slot": true, "blocks_listings": true, "interrupts_streams": false,
///  "omits_stream_usage": false, "context_tokens": 4096,
///  "keeps_generating_after_disconnect": true, "calls_tools": true, "rejects_streams_silently": true}
/// ```
public struct SimulatorBehavior: Sendable, Hashable, Codable {
    /// Whether the model generates one answer at a time, queueing the others. JSON `single_slot`.
    /// Default false.
    public var singleSlot: Bool
    /// Whether listings (`/v1/models`, `/api/tags`) wait until the model generates nothing. JSON
    /// `blocks_listings`. Default false.
    public var blocksListings: Bool
    /// Whether a later request for the model ends its running streams early. JSON
    /// `interrupts_streams`. Default false.
    public var interruptsStreams: Bool
    /// Whether streams leave out token counts. JSON `omits_stream_usage`. Default false.
    public var omitsStreamUsage: Bool
    /// The context size in tokens (words), or `nil` for no limit. JSON `context_tokens`.
    /// Default `nil`.
    public var contextTokens: Int?
    /// Whether a non-streamed generation runs to its end after its client leaves. JSON
    /// `keeps_generating_after_disconnect`. Default false.
    public var keepsGeneratingAfterDisconnect: Bool
    /// Whether requests with `tools` are answered with a tool call. JSON `calls_tools`.
    /// Default false.
    public var callsTools: Bool
    /// Whether a streamed request over the context size gets an empty `200` stream instead of the
    /// 400. JSON `rejects_streams_silently`. Default false.
    public var rejectsStreamsSilently: Bool

    /// Creates a behavior; the defaults are the simulator's polite ones.
    public init(
        singleSlot: Bool = false,
        blocksListings: Bool = false,
        interruptsStreams: Bool = false,
        omitsStreamUsage: Bool = false,
        contextTokens: Int? = nil,
        keepsGeneratingAfterDisconnect: Bool = false,
        callsTools: Bool = false,
        rejectsStreamsSilently: Bool = false
    ) {
        self.singleSlot = singleSlot
        self.blocksListings = blocksListings
        self.interruptsStreams = interruptsStreams
        self.omitsStreamUsage = omitsStreamUsage
        self.contextTokens = contextTokens
        self.keepsGeneratingAfterDisconnect = keepsGeneratingAfterDisconnect
        self.callsTools = callsTools
        self.rejectsStreamsSilently = rejectsStreamsSilently
    }

    /// The simulator's defaults: every option off.
    public static var polite: SimulatorBehavior { .init() }

    private enum CodingKeys: String, CodingKey {
        case singleSlot = "single_slot"
        case blocksListings = "blocks_listings"
        case interruptsStreams = "interrupts_streams"
        case omitsStreamUsage = "omits_stream_usage"
        case contextTokens = "context_tokens"
        case keepsGeneratingAfterDisconnect = "keeps_generating_after_disconnect"
        case callsTools = "calls_tools"
        case rejectsStreamsSilently = "rejects_streams_silently"
    }

    /// Decodes a behavior from the admin API's JSON; missing keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func flag(_ key: CodingKeys) throws -> Bool { try container.decodeIfPresent(Bool.self, forKey: key) ?? false }
        self.init(
            singleSlot: try flag(.singleSlot),
            blocksListings: try flag(.blocksListings),
            interruptsStreams: try flag(.interruptsStreams),
            omitsStreamUsage: try flag(.omitsStreamUsage),
            contextTokens: try container.decodeIfPresent(Int.self, forKey: .contextTokens),
            keepsGeneratingAfterDisconnect: try flag(.keepsGeneratingAfterDisconnect),
            callsTools: try flag(.callsTools),
            rejectsStreamsSilently: try flag(.rejectsStreamsSilently)
        )
    }

    /// Encodes a behavior in the admin API's JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(singleSlot, forKey: .singleSlot)
        try container.encode(blocksListings, forKey: .blocksListings)
        try container.encode(interruptsStreams, forKey: .interruptsStreams)
        try container.encode(omitsStreamUsage, forKey: .omitsStreamUsage)
        try container.encodeIfPresent(contextTokens, forKey: .contextTokens)
        try container.encode(keepsGeneratingAfterDisconnect, forKey: .keepsGeneratingAfterDisconnect)
        try container.encode(callsTools, forKey: .callsTools)
        try container.encode(rejectsStreamsSilently, forKey: .rejectsStreamsSilently)
    }

    /// Checks the values are in range.
    ///
    /// - Throws: ``SimulatorError`` with code `invalidBehavior` naming the field out of range.
    public func validate() throws(SimulatorError) {
        if let contextTokens, contextTokens <= 0 {
            throw SimulatorError(code: .invalidBehavior, message: "context_tokens must be > 0, got \(contextTokens)")
        }
    }
}
