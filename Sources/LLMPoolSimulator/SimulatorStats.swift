/// Request counters of a ``ProviderSimulator``, read in-process with
/// ``ProviderSimulator/stats()`` or over HTTP from `GET /_simulator/stats` (the same JSON shape,
/// snake_case keys). The counters of one model are a ``Model``.
public struct SimulatorStats: Sendable, Hashable, Codable {
    /// Counters by model name; every configured model is present.
    public var models: [String: Model]
    /// Requests naming a model the simulator does not serve (answered 404).
    public var unknownModel: Int

    /// Creates a stats record.
    public init(models: [String: Model] = [:], unknownModel: Int = 0) {
        self.models = models
        self.unknownModel = unknownModel
    }

    /// Requests received over all models.
    public var total: Int { models.values.reduce(0) { $0 + $1.total } }
    /// Cancelled or abandoned requests over all models.
    public var cancelled: Int { models.values.reduce(0) { $0 + $1.cancelled } }

    private enum CodingKeys: String, CodingKey {
        case models
        case unknownModel = "unknown_model"
        case total
        case cancelled
    }

    /// Decodes the `GET /_simulator/stats` JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.models = try container.decode([String: Model].self, forKey: .models)
        self.unknownModel = try container.decodeIfPresent(Int.self, forKey: .unknownModel) ?? 0
    }

    /// Encodes the `GET /_simulator/stats` JSON, with the `total` and `cancelled` sums.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(models, forKey: .models)
        try container.encode(unknownModel, forKey: .unknownModel)
        try container.encode(total, forKey: .total)
        try container.encode(cancelled, forKey: .cancelled)
    }
}
